// The `radz` subcommands, one file each (cmd_<name>.cpp). Each returns the process exit code:
// 0 success, 1 when something failed (an image, a comparison), 2 on usage errors.
#pragma once

int cmd_classify(int argc, char ** argv);
int cmd_eval(int argc, char ** argv);
int cmd_compare(int argc, char ** argv);
int cmd_merge(int argc, char ** argv);  // cmd_merge.cpp: radz merge (shard.h)
int cmd_info(int argc, char ** argv);
int cmd_bench(int argc, char ** argv);
int cmd_tokenize(int argc, char ** argv);
