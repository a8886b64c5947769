#include "CSwitchyardMalloc.h"

#include <stdlib.h>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>

int switchyard_malloc_trim(void) {
    return malloc_trim(0);
}

size_t switchyard_malloc_in_use_bytes(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}
#else
int switchyard_malloc_trim(void) {
    return 0;
}

size_t switchyard_malloc_in_use_bytes(void) {
    return 0;
}
#endif
