/* The content side (SPEC section 2). */
#include "mod_checkpoint.h"

void ckpt_content_register_hooks(apr_pool_t *p)
{
}
