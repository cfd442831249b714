// attend: the command-line entry point (subcommands are added by apps/cmd_*.cc).
int main() { return 0; }
