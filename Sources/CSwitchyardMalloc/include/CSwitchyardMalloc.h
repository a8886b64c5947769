#ifndef C_SWITCHYARD_MALLOC_H
#define C_SWITCHYARD_MALLOC_H

#include <stddef.h>

// glibc's malloc statistics and trimming (malloc.h is not in Swift's Glibc module); no-ops on other C libraries.

/// Gives the free pages of every malloc arena back to the system (glibc's malloc_trim(0)); 1 if any was released.
int switchyard_malloc_trim(void);

/// Bytes allocated and not yet freed, over all arenas and mmapped blocks (glibc's mallinfo2() uordblks + hblkhd);
/// 0 on other C libraries.
size_t switchyard_malloc_in_use_bytes(void);

#endif
