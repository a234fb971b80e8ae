/*
 * Three socket operations Node 20 has no binding for.
 *
 * originalDestination(fd, ipv6) → { ip, port } | null
 *   SO_ORIGINAL_DST: the destination a REDIRECT/DNAT-ed TCP connection was dialled to, read from the socket's
 *   conntrack entry by the kernel in one getsockopt. The alternative — scanning /proc/net/nf_conntrack for the
 *   client's entry — costs time in proportion to the whole table on every new connection. null: no conntrack
 *   entry (the connection was not redirected). Any other failure (a closed fd, no netfilter) throws with the
 *   errno's name, so that it is not mistaken for "not redirected".
 *
 * dupDescriptor(fd) → fd
 *   A duplicate (F_DUPFD_CLOEXEC) of a descriptor. The cluster primary keeps the listening sockets systemd handed
 *   it and gives each worker a duplicate: node:cluster closes a worker's listening handle when the worker dies,
 *   and without a copy of its own the primary could never give that socket to the replacement.
 *
 * reusePortSocket(host, port) → { fd, port }
 *   A TCP socket bound to host:port with SO_REUSEPORT, not yet listening (Node's listen({ fd }) does that).
 *   Each cluster worker gets one, so the kernel spreads new connections over the workers' own accept queues;
 *   on one shared socket, the worker that wakes first accepts a whole burst (all 32 connections of a load
 *   test, seen here) and the other cores idle. Throws with the errno's name (EADDRINUSE, EACCES, …).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include <linux/netfilter_ipv4.h>

#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

static napi_value original_destination(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "originalDestination(fd, ipv6)");
    return NULL;
  }
  int32_t fd;
  bool ipv6;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_bool(env, argv[1], &ipv6) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "originalDestination(fd: number, ipv6: boolean)");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  int r = ipv6 ? getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &ss, &len) : getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &ss, &len);
  napi_value result;
  if (r != 0) {
    if (errno == ENOENT) {
      napi_get_null(env, &result);
      return result;
    }
    napi_throw_error(env, "ERR_ORIGINAL_DST", strerror(errno));
    return NULL;
  }
  char text[INET6_ADDRSTRLEN];
  int port;
  if (ss.ss_family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  } else {
    napi_throw_error(env, "ERR_ORIGINAL_DST", "unexpected address family");
    return NULL;
  }
  napi_value ip, p;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &ip);
  napi_create_int32(env, port, &p);
  napi_set_named_property(env, result, "ip", ip);
  napi_set_named_property(env, result, "port", p);
  return result;
}

static void throw_errno(napi_env env, int e) {
  const char *name = strerrorname_np(e);
  napi_throw_error(env, name ? name : "EIO", strerror(e));
}

static napi_value reuse_port_socket(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char host[INET6_ADDRSTRLEN + 1];
  size_t host_len = 0;
  int32_t port;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_len) != napi_ok ||
      napi_get_value_int32(env, argv[1], &port) != napi_ok || port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "reusePortSocket(host: string, port: number)");
    return NULL;
  }
  struct sockaddr_storage ss;
  socklen_t len;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    len = sizeof *a4;
  } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    len = sizeof *a6;
  } else {
    napi_throw_type_error(env, "ERR_INVALID_ADDRESS", "reusePortSocket: host must be an IPv4 or IPv6 address");
    return NULL;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, errno);
    return NULL;
  }
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      bind(fd, (struct sockaddr *)&ss, len) != 0 ||
      getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
    int e = errno;
    close(fd);
    throw_errno(env, e);
    return NULL;
  }
  napi_value result, v_fd, v_port;
  napi_create_object(env, &result);
  napi_create_int32(env, fd, &v_fd);
  napi_create_int32(env, ntohs(ss.ss_family == AF_INET ? a4->sin_port : a6->sin6_port), &v_port);
  napi_set_named_property(env, result, "fd", v_fd);
  napi_set_named_property(env, result, "port", v_port);
  return result;
}

static napi_value dup_descriptor(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "dupDescriptor(fd: number)");
    return NULL;
  }
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    throw_errno(env, errno);
    return NULL;
  }
  napi_value result;
  napi_create_int32(env, copy, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "originalDestination", NAPI_AUTO_LENGTH, original_destination, NULL, &fn);
  napi_set_named_property(env, exports, "originalDestination", fn);
  napi_create_function(env, "dupDescriptor", NAPI_AUTO_LENGTH, dup_descriptor, NULL, &fn);
  napi_set_named_property(env, exports, "dupDescriptor", fn);
  napi_create_function(env, "reusePortSocket", NAPI_AUTO_LENGTH, reuse_port_socket, NULL, &fn);
  napi_set_named_property(env, exports, "reusePortSocket", fn);
  return exports;
}
