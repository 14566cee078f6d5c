/* See package.h. */
#include "config.h"
#include "package.h"

const char *ckpt_package_version(void)
{
    return PACKAGE_VERSION;
}
