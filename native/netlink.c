// Netlink socket addon: system calls for AF_NETLINK sockets and nothing else. Every piece
// of protocol knowledge (message framing, attributes, families) lives in TypeScript.
//
// Headers: <linux/netlink.h> (sockaddr_nl, SOL_NETLINK options), <sched.h> (setns).
//
// A socket is created non-blocking and close-on-exec, optionally inside another network
// namespace. Receiving is driven by a libuv poll handle on the main loop: when the socket
// is readable, whole datagrams are read (their size is peeked first, so none is truncated)
// and handed to JavaScript in batches.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <node_api.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

// Datagrams handed to JavaScript per poll event. Bounding the batch lets the event loop
// run between batches of a long dump; the level-triggered poll fires again for the rest.
#define MAX_BATCH 64
#define INITIAL_BUFFER 65536

typedef struct {
  int fd;
  uint32_t port_id;
  int closing;
  uv_poll_t *poll;
  napi_env env;
  napi_ref on_data;
  napi_async_context async_context;
  uint8_t *buffer;
  size_t buffer_size;
} nl_socket;

// Throws a Node-style Error with code (errno name), errno and syscall properties.
static void throw_errno(napi_env env, int err, const char *syscall) {
  char message[256];
  const char *name = strerrorname_np(err);
  if (name == NULL) name = "EUNKNOWN";
  snprintf(message, sizeof message, "%s %s (%s)", syscall, strerror(err), name);
  napi_value msg, code, error, errno_value, syscall_value;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_create_int32(env, -err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  napi_throw(env, error);
}

// Builds the same kind of error as throw_errno as a value, for the receive callback.
static napi_value make_errno_error(napi_env env, int err, const char *syscall) {
  throw_errno(env, err, syscall);
  napi_value error;
  napi_get_and_clear_last_exception(env, &error);
  return error;
}

static void throw_type_error(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
}

static nl_socket *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  nl_socket *sock = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, (void **)&sock) != napi_ok || sock == NULL) {
    throw_type_error(env, "receiver is not a netlink socket");
    return NULL;
  }
  return sock;
}

// Creates the socket in the calling thread's namespace and binds it with port id 0 so the
// kernel assigns one. Returns the fd or -errno, with *syscall naming the failed call.
static int open_socket(int protocol, uint32_t *port_id, const char **syscall) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
  if (fd < 0) {
    *syscall = "socket";
    return -errno;
  }
  struct sockaddr_nl addr;
  memset(&addr, 0, sizeof addr);
  addr.nl_family = AF_NETLINK;
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int err = errno;
    close(fd);
    *syscall = "bind";
    return -err;
  }
  socklen_t len = sizeof addr;
  if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
    int err = errno;
    close(fd);
    *syscall = "getsockname";
    return -err;
  }
  *port_id = addr.nl_pid;
  return fd;
}

// Creates the socket inside the namespace at ns_path. The thread's own namespace is saved
// first and restored before returning. NB: if restoring fails the process aborts, because a
// thread left in another namespace would silently read the wrong host from then on.
static int open_socket_in(const char *ns_path, int protocol, uint32_t *port_id,
                          const char **syscall) {
  int self_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self_ns < 0) {
    *syscall = "open /proc/thread-self/ns/net";
    return -errno;
  }
  int target_ns = open(ns_path, O_RDONLY | O_CLOEXEC);
  if (target_ns < 0) {
    int err = errno;
    close(self_ns);
    *syscall = "open";
    return -err;
  }
  if (setns(target_ns, CLONE_NEWNET) < 0) {
    int err = errno;
    close(target_ns);
    close(self_ns);
    *syscall = "setns";
    return -err;
  }
  close(target_ns);
  int fd = open_socket(protocol, port_id, syscall);
  if (setns(self_ns, CLONE_NEWNET) < 0) {
    fprintf(stderr, "netlink addon: cannot return to the original network namespace: %s\n",
            strerror(errno));
    abort();
  }
  close(self_ns);
  return fd;
}

static void on_poll_closed(uv_handle_t *handle) { free(handle); }

// Deletes the reference to the onData callback. The callback is usually a closure over the
// JavaScript object that holds this socket, so while the reference exists neither object is
// collected and finalize_socket never runs.
static void release_callback(nl_socket *sock) {
  if (sock->on_data == NULL) return;
  napi_delete_reference(sock->env, sock->on_data);
  sock->on_data = NULL;
}

// Stops polling, closes the fd, and frees the callback reference and the receive buffer, so a
// closed socket holds only its small struct until the garbage collector finalizes it. Safe to
// call more than once.
static void close_socket(nl_socket *sock) {
  if (sock->closing) return;
  sock->closing = 1;
  if (sock->poll != NULL) {
    uv_poll_stop(sock->poll);
    uv_close((uv_handle_t *)sock->poll, on_poll_closed);
    sock->poll = NULL;
  }
  if (sock->fd >= 0) {
    close(sock->fd);
    sock->fd = -1;
  }
  release_callback(sock);
  free(sock->buffer);
  sock->buffer = NULL;
  sock->buffer_size = 0;
}

static void finalize_socket(napi_env env, void *data, void *hint) {
  (void)hint;
  nl_socket *sock = data;
  close_socket(sock);
  if (sock->async_context != NULL) napi_async_destroy(env, sock->async_context);
  free(sock);
}

// new Socket(protocol: number, nsPath?: string)
static napi_value socket_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  napi_get_cb_info(env, info, &argc, argv, &self, NULL);
  int32_t protocol;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &protocol) != napi_ok || protocol < 0) {
    throw_type_error(env, "protocol must be a non-negative integer");
    return NULL;
  }
  char ns_path[4096];
  int has_ns = 0;
  if (argc >= 2) {
    napi_valuetype type;
    napi_typeof(env, argv[1], &type);
    if (type == napi_string) {
      size_t len;
      napi_get_value_string_utf8(env, argv[1], ns_path, sizeof ns_path, &len);
      if (len == 0 || len >= sizeof ns_path - 1) {
        throw_type_error(env, "namespace path must be a non-empty string shorter than 4095 bytes");
        return NULL;
      }
      has_ns = 1;
    } else if (type != napi_undefined && type != napi_null) {
      throw_type_error(env, "namespace path must be a string");
      return NULL;
    }
  }

  uint32_t port_id = 0;
  const char *syscall = "socket";
  int fd = has_ns ? open_socket_in(ns_path, protocol, &port_id, &syscall)
                  : open_socket(protocol, &port_id, &syscall);
  if (fd < 0) {
    throw_errno(env, -fd, syscall);
    return NULL;
  }

  nl_socket *sock = calloc(1, sizeof *sock);
  uint8_t *buffer = malloc(INITIAL_BUFFER);
  if (sock == NULL || buffer == NULL) {
    free(sock);
    free(buffer);
    close(fd);
    napi_throw_error(env, "ENOMEM", "cannot allocate a netlink socket");
    return NULL;
  }
  sock->fd = fd;
  sock->port_id = port_id;
  sock->env = env;
  sock->buffer = buffer;
  sock->buffer_size = INITIAL_BUFFER;
  if (napi_wrap(env, self, sock, finalize_socket, NULL, NULL) != napi_ok) {
    close(fd);
    free(buffer);
    free(sock);
    napi_throw_error(env, NULL, "cannot wrap the netlink socket");
    return NULL;
  }
  return self;
}

static napi_value socket_port_id(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  nl_socket *sock = unwrap(env, info, &argc, NULL);
  if (sock == NULL) return NULL;
  napi_value result;
  napi_create_uint32(env, sock->port_id, &result);
  return result;
}

static napi_value socket_fd(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  nl_socket *sock = unwrap(env, info, &argc, NULL);
  if (sock == NULL) return NULL;
  napi_value result;
  napi_create_int32(env, sock->fd, &result);
  return result;
}

static int check_open(napi_env env, nl_socket *sock, const char *syscall) {
  if (sock->fd >= 0) return 1;
  throw_errno(env, EBADF, syscall);
  return 0;
}

// setOption(level: number, name: number, value: number): sets an int socket option.
static napi_value socket_set_option(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  nl_socket *sock = unwrap(env, info, &argc, argv);
  if (sock == NULL) return NULL;
  int32_t level, name, value;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &level) != napi_ok ||
      napi_get_value_int32(env, argv[1], &name) != napi_ok ||
      napi_get_value_int32(env, argv[2], &value) != napi_ok) {
    throw_type_error(env, "setOption(level, name, value) takes three integers");
    return NULL;
  }
  if (!check_open(env, sock, "setsockopt")) return NULL;
  int v = value;
  if (setsockopt(sock->fd, level, name, &v, sizeof v) < 0) {
    throw_errno(env, errno, "setsockopt");
    return NULL;
  }
  return NULL;
}

// getOption(level: number, name: number): reads an int socket option.
static napi_value socket_get_option(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  nl_socket *sock = unwrap(env, info, &argc, argv);
  if (sock == NULL) return NULL;
  int32_t level, name;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &level) != napi_ok ||
      napi_get_value_int32(env, argv[1], &name) != napi_ok) {
    throw_type_error(env, "getOption(level, name) takes two integers");
    return NULL;
  }
  if (!check_open(env, sock, "getsockopt")) return NULL;
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(sock->fd, level, name, &v, &len) < 0) {
    throw_errno(env, errno, "getsockopt");
    return NULL;
  }
  napi_value result;
  napi_create_int32(env, v, &result);
  return result;
}

// send(data: Uint8Array): sends one datagram to the kernel (port id 0).
static napi_value socket_send(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  nl_socket *sock = unwrap(env, info, &argc, argv);
  if (sock == NULL) return NULL;
  bool is_typed;
  if (argc < 1 || napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed) {
    throw_type_error(env, "send(data) takes a Uint8Array");
    return NULL;
  }
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL);
  if (type != napi_uint8_array) {
    throw_type_error(env, "send(data) takes a Uint8Array");
    return NULL;
  }
  if (!check_open(env, sock, "sendto")) return NULL;
  struct sockaddr_nl kernel;
  memset(&kernel, 0, sizeof kernel);
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do {
    sent = sendto(sock->fd, data, length, 0, (struct sockaddr *)&kernel, sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    throw_errno(env, errno, "sendto");
    return NULL;
  }
  napi_value result;
  napi_create_int64(env, sent, &result);
  return result;
}

// Calls onData(error, datagrams) in the socket's async context.
static void deliver(nl_socket *sock, napi_value error, napi_value datagrams) {
  napi_env env = sock->env;
  napi_value callback, global, args[2], ignored;
  if (sock->on_data == NULL) return;
  if (napi_get_reference_value(env, sock->on_data, &callback) != napi_ok || callback == NULL) {
    return;
  }
  napi_get_global(env, &global);
  if (error == NULL) napi_get_null(env, &error);
  if (datagrams == NULL) napi_get_null(env, &datagrams);
  args[0] = error;
  args[1] = datagrams;
  napi_status status =
      napi_make_callback(env, sock->async_context, global, callback, 2, args, &ignored);
  if (status == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
}

// Reads one datagram whole. Returns its length, 0 when nothing is queued, or -errno.
static ssize_t read_datagram(nl_socket *sock) {
  for (;;) {
    ssize_t size = recv(sock->fd, sock->buffer, sock->buffer_size, MSG_PEEK | MSG_TRUNC);
    if (size < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      return -errno;
    }
    if ((size_t)size > sock->buffer_size) {
      size_t grown = sock->buffer_size;
      while (grown < (size_t)size) grown *= 2;
      uint8_t *buffer = realloc(sock->buffer, grown);
      if (buffer == NULL) return -ENOMEM;
      sock->buffer = buffer;
      sock->buffer_size = grown;
    }
    ssize_t got = recv(sock->fd, sock->buffer, sock->buffer_size, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      return -errno;
    }
    return got;
  }
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  nl_socket *sock = handle->data;
  if (sock == NULL || sock->closing) return;
  napi_env env = sock->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);

  if (status < 0) {
    deliver(sock, make_errno_error(env, -status, "uv_poll"), NULL);
    napi_close_handle_scope(env, scope);
    return;
  }

  napi_value datagrams;
  napi_create_array(env, &datagrams);
  uint32_t count = 0;
  napi_value error = NULL;
  while (count < MAX_BATCH && !sock->closing && sock->poll == handle) {
    ssize_t got = read_datagram(sock);
    if (got == 0) break;
    if (got < 0) {
      error = make_errno_error(env, (int)-got, "recv");
      break;
    }
    napi_value chunk;
    void *copy;
    napi_create_buffer_copy(env, (size_t)got, sock->buffer, &copy, &chunk);
    napi_set_element(env, datagrams, count++, chunk);
  }
  if (count > 0) deliver(sock, NULL, datagrams);
  if (error != NULL && !sock->closing) deliver(sock, error, NULL);
  napi_close_handle_scope(env, scope);
}

// start(onData: (error: Error | null, datagrams: Buffer[] | null) => void)
static napi_value socket_start(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  nl_socket *sock = unwrap(env, info, &argc, argv);
  if (sock == NULL) return NULL;
  napi_valuetype type;
  if (argc < 1 || napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function) {
    throw_type_error(env, "start(onData) takes a function");
    return NULL;
  }
  if (!check_open(env, sock, "uv_poll_start")) return NULL;
  if (sock->poll != NULL) {
    napi_throw_error(env, "ERR_INVALID_STATE", "the socket is already receiving");
    return NULL;
  }
  release_callback(sock);
  napi_create_reference(env, argv[0], 1, &sock->on_data);
  if (sock->async_context == NULL) {
    napi_value name;
    napi_create_string_utf8(env, "NetlinkSocket", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, NULL, name, &sock->async_context);
  }
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_t *poll = malloc(sizeof *poll);
  if (poll == NULL) {
    napi_throw_error(env, "ENOMEM", "cannot allocate a poll handle");
    return NULL;
  }
  int rc = uv_poll_init(loop, poll, sock->fd);
  if (rc == 0) {
    poll->data = sock;
    rc = uv_poll_start(poll, UV_READABLE, on_readable);
    if (rc != 0) {
      uv_close((uv_handle_t *)poll, on_poll_closed);
    }
  } else {
    free(poll);
  }
  if (rc != 0) {
    throw_errno(env, -rc, "uv_poll_start");
    return NULL;
  }
  sock->poll = poll;
  return NULL;
}

// stop(): stops receiving; queued datagrams stay in the kernel until start() is called again.
static napi_value socket_stop(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  nl_socket *sock = unwrap(env, info, &argc, NULL);
  if (sock == NULL) return NULL;
  if (sock->poll != NULL) {
    uv_poll_stop(sock->poll);
    uv_close((uv_handle_t *)sock->poll, on_poll_closed);
    sock->poll = NULL;
  }
  release_callback(sock);
  return NULL;
}

// close(): closes the socket; a second call does nothing.
static napi_value socket_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  nl_socket *sock = unwrap(env, info, &argc, NULL);
  if (sock == NULL) return NULL;
  close_socket(sock);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"portId", NULL, NULL, socket_port_id, NULL, NULL, napi_default, NULL},
      {"fd", NULL, NULL, socket_fd, NULL, NULL, napi_default, NULL},
      {"setOption", NULL, socket_set_option, NULL, NULL, NULL, napi_default, NULL},
      {"getOption", NULL, socket_get_option, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, socket_send, NULL, NULL, NULL, napi_default, NULL},
      {"start", NULL, socket_start, NULL, NULL, NULL, napi_default, NULL},
      {"stop", NULL, socket_stop, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, socket_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value cls;
  napi_define_class(env, "Socket", NAPI_AUTO_LENGTH, socket_new, NULL,
                    sizeof methods / sizeof methods[0], methods, &cls);
  napi_set_named_property(env, exports, "Socket", cls);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
