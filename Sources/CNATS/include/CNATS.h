#ifndef PIPETTE_CNATS_H
#define PIPETTE_CNATS_H

#include <nats/nats.h>

/// Opens libnats if it is not open yet. NULL when it is open, else what is missing and how to
/// install it. Each function of libnats that Pipette calls opens it too (NATSLibrary.c).
const char *pipette_nats_open(void);

#endif
