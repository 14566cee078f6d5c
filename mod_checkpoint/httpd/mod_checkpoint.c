/* mod_checkpoint: time travel for software repositories.
 *
 * The module declaration and hook registration.  The content side lives in
 * content.c (translate_name and friends), the management API in api*.c,
 * configuration and the per-process database pool in config.c. */
#define CKPT_MODULE_MAIN
#include <http_protocol.h>
#include <http_request.h>

#include "mod_checkpoint.h"

static void register_hooks(apr_pool_t *p)
{
    /* The shared catalog's Mutex, known before the config is read. */
    ap_hook_pre_config(ckpt_shared_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* Defaults and storage directories, once the whole config is read. */
    ap_hook_post_config(ckpt_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* The connection pool belongs to each child process. */
    ap_hook_child_init(ckpt_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    /* SetHandler checkpoint-api */
    ap_hook_handler(ckpt_api_handler, NULL, NULL, APR_HOOK_MIDDLE);
    /* translate_name, map_to_storage, type_checker, fixups and the listing
     * handler of the content side. */
    ckpt_content_register_hooks(p);
}

AP_DECLARE_MODULE(checkpoint) = {
    STANDARD20_MODULE_STUFF,
    ckpt_create_dir_conf,    /* per-directory config */
    ckpt_merge_dir_conf,     /* merge per-directory */
    ckpt_create_server_conf, /* server config */
    ckpt_merge_server_conf,  /* merge server config */
    ckpt_cmds,               /* directives */
    register_hooks           /* hooks */
};
