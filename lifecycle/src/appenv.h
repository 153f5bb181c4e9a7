/* The runtime environment Cloud Foundry gives an app (launcher and shell), and
 * the service-derived variables the builder shares with them. */
#ifndef LC_APPENV_H
#define LC_APPENV_H

#include <stdbool.h>

/* DATABASE_URL from VCAP_SERVICES: the first credentials.uri whose scheme is
 * mysql (rewritten mysql2), mysql2, postgres or postgresql (rewritten postgres).
 * Returns NULL when there is none or VCAP_SERVICES is not valid JSON. */
char *database_url_from_services(const char *vcap_services);
/* Sets DATABASE_URL when VCAP_SERVICES yields one (it then wins over any old value). */
void export_database_url(void);

/* Validates and removes VCAP_PLATFORM_OPTIONS. Returns 0, or prints CF's message
 * and returns `invalid_code` for invalid JSON / `credhub_code` when a CredHub URI
 * asks for interpolation (not supported here). */
int check_platform_options(int invalid_code, int credhub_code);

/* CF's env.CalcEnv for an absolute app dir: HOME, TMPDIR, DEPS_DIR,
 * VCAP_APPLICATION (host/port/instance_id/instance_index), DATABASE_URL.
 * Also defaults PORT to 8080. Returns like check_platform_options. */
int setup_app_env(const char *app_dir, int platform_error_code);

/* Execs /bin/sh with the script that cds into app_dir, sources every file in ../profile.d,
 * then .profile.d (and .profile when `launcher`), then execs `command` through
 * `entry_prefix` (default "/bin/sh -c"). Only returns if the exec failed. */
void exec_app_script(const char *argv0, const char *app_dir, const char *command, bool launcher,
                     const char *entry_prefix);

/* "exec CMD" when CMD is a simple command, so the app replaces the shell and
 * receives signals directly; otherwise CMD unchanged. Owned result. */
char *exec_prefixed(const char *cmd);

#endif
