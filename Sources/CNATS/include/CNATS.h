#ifndef PIPETTE_CNATS_H
#define PIPETTE_CNATS_H

#include <nats/nats.h>

/// Opens libnats if it is not open yet. NULL when it is open, else what is missing and how to
/// install it. Each function of libnats that Pipette calls opens it too (NATSLibrary.c).
/// Joins the preload thread, if one runs (`pipette_nats_preload`).
const char *pipette_nats_open(void);

/// Starts opening libnats and initialising it (`nats_Open`, which initialises OpenSSL) on a
/// thread of its own, for a short-lived command about to connect: about 7 ms that then overlap
/// the command's own start instead of preceding its connection. The first `pipette_nats_open`
/// joins the thread. Later calls do nothing.
void pipette_nats_preload(void);

#endif
