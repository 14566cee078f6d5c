/* The package's own version, as configure.ac's AC_INIT gives it: the one
 * place it is written.  (httpd's headers define PACKAGE_VERSION too, to
 * "", so the glue asks here rather than include config.h.) */
#ifndef CKPT_PACKAGE_H
#define CKPT_PACKAGE_H

const char *ckpt_package_version(void);

#endif
