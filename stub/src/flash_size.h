#ifndef ESPALGO_FLASH_SIZE_H
#define ESPALGO_FLASH_SIZE_H

#include "types.h"

/* Flash size for a JEDEC capacity byte; 0 = unknown. */
u32 flash_size_from_capacity(u32 capacity);

#endif
