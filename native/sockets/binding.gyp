{
  "targets": [
    {
      "target_name": "sockets",
      "sources": ["sockets.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
