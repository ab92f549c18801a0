// Catch2's main for tests linked with -sASYNCIFY. An asyncified main() that suspended returns
// its value to nobody (Emscripten drops it after the rewind), so the exit status is passed to
// exit() explicitly: a failing test must fail the process.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

int main(int argc, char ** argv) {
    const int rc = Catch::Session().run(argc, argv);
    std::exit(rc);
}
