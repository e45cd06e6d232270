{
  "targets": [
    {
      "target_name": "netlink",
      "sources": ["native/netlink.c"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-std=gnu11"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
