/* Fixed-size integer types of the stub (no C library headers). */
#ifndef ESPALGO_TYPES_H
#define ESPALGO_TYPES_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef signed int s32;

#endif
