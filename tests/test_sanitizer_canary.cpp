// Deliberate heap buffer overflow. Registered with WILL_FAIL in sanitized builds only: ctest
// passes it when AddressSanitizer aborts the program, and fails it when the overflow goes
// unnoticed (the build is not really sanitized).
#include <cstdio>
#include <cstdlib>

int main(int argc, char ** argv) {
    (void) argv;
    volatile int n = 8 + argc - 1;  // 8, unknown to the compiler
    int * p = (int *) malloc(sizeof(int) * 8);
    for (int i = 0; i <= n; i++) {  // writes p[8]: one past the end
        p[i] = i;
    }
    printf("no sanitizer caught the overflow (%d)\n", p[3]);
    free(p);
    return 0;
}
