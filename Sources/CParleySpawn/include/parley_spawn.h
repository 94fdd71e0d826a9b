#ifndef PARLEY_SPAWN_H
#define PARLEY_SPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` as a child that inherits exactly three descriptors:
/// `stdin_fd`, `stdout_fd` and `stderr_fd` become 0, 1 and 2 (-1 leaves that one as the
/// parent's). Every other descriptor is closed in the child, whatever its close-on-exec flag,
/// so no child keeps another child's pipe open. The child starts with an empty signal mask and
/// every signal at its default action (a parent that ignores SIGTERM or SIGPIPE does not pass
/// that on), in a process group of its own. Returns 0 or an errno value.
int parley_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                 int stdin_fd, int stdout_fd, int stderr_fd);

/// Opens a pipe whose two ends close on exec (`pipe2` with O_CLOEXEC). Returns 0 or an errno value.
int parley_pipe(int fds[2]);

#endif
