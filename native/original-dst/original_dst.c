/*
 * SO_ORIGINAL_DST for Node: the destination a REDIRECT/DNAT-ed TCP connection was dialled to, read from the
 * socket's conntrack entry by the kernel in one getsockopt. Node has no binding for it, and the alternative —
 * scanning /proc/net/nf_conntrack for the client's entry — costs time in proportion to the whole table on
 * every new connection.
 *
 * originalDestination(fd, ipv6) → { ip, port } | null (no conntrack entry: the connection was not redirected)
 * Any other failure (a closed fd, no netfilter) throws with the errno's name, so that it is not mistaken for
 * "not redirected".
 */
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
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

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "originalDestination", NAPI_AUTO_LENGTH, original_destination, NULL, &fn);
  napi_set_named_property(env, exports, "originalDestination", fn);
  return exports;
}
