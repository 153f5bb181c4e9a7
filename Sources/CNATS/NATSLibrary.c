#include "CNATS.h"
#include "CLazyLibrary.h"

// libnats, opened on first use (CLazyLibrary.h says why): every function of it Pipette calls.
#define NATS_FUNCTIONS(F, V) \
    V(jsCtx_Destroy, (jsCtx *p0), (p0)) \
    V(jsMsgMetaData_Destroy, (jsMsgMetaData *p0), (p0)) \
    F(natsStatus, jsOptions_Init, (jsOptions *p0), (p0)) \
    F(natsStatus, jsStreamConfig_Init, (jsStreamConfig *p0), (p0)) \
    V(jsStreamInfo_Destroy, (jsStreamInfo *p0), (p0)) \
    F(natsStatus, jsSubOptions_Init, (jsSubOptions *p0), (p0)) \
    F(natsStatus, js_AddStream, (jsStreamInfo **p0, jsCtx *p1, jsStreamConfig *p2, jsOptions *p3, jsErrCode *p4), (p0, p1, p2, p3, p4)) \
    F(natsStatus, js_CreateKeyValue, (kvStore **p0, jsCtx *p1, kvConfig *p2), (p0, p1, p2)) \
    F(natsStatus, js_KeyValue, (kvStore **p0, jsCtx *p1, const char *p2), (p0, p1, p2)) \
    F(natsStatus, js_SubscribeSync, (natsSubscription **p0, jsCtx *p1, const char *p2, jsOptions *p3, jsSubOptions *p4, jsErrCode *p5), (p0, p1, p2, p3, p4, p5)) \
    F(natsStatus, kvConfig_Init, (kvConfig *p0), (p0)) \
    V(kvEntry_Destroy, (kvEntry *p0), (p0)) \
    F(const char *, kvEntry_Key, (kvEntry *p0), (p0)) \
    F(uint64_t, kvEntry_Revision, (kvEntry *p0), (p0)) \
    F(const void *, kvEntry_Value, (kvEntry *p0), (p0)) \
    F(int, kvEntry_ValueLen, (kvEntry *p0), (p0)) \
    V(kvKeysList_Destroy, (kvKeysList *p0), (p0)) \
    F(natsStatus, kvStore_Create, (uint64_t *p0, kvStore *p1, const char *p2, const void *p3, int p4), (p0, p1, p2, p3, p4)) \
    F(natsStatus, kvStore_Delete, (kvStore *p0, const char *p1), (p0, p1)) \
    V(kvStore_Destroy, (kvStore *p0), (p0)) \
    F(natsStatus, kvStore_Get, (kvEntry **p0, kvStore *p1, const char *p2), (p0, p1, p2)) \
    F(natsStatus, kvStore_Keys, (kvKeysList *p0, kvStore *p1, kvWatchOptions *p2), (p0, p1, p2)) \
    F(natsStatus, kvStore_Put, (uint64_t *p0, kvStore *p1, const char *p2, const void *p3, int p4), (p0, p1, p2, p3, p4)) \
    F(natsStatus, kvStore_Update, (uint64_t *p0, kvStore *p1, const char *p2, const void *p3, int p4, uint64_t p5), (p0, p1, p2, p3, p4, p5)) \
    F(natsStatus, kvStore_WatchAll, (kvWatcher **p0, kvStore *p1, kvWatchOptions *p2), (p0, p1, p2)) \
    F(natsStatus, kvWatchOptions_Init, (kvWatchOptions *p0), (p0)) \
    V(kvWatcher_Destroy, (kvWatcher *p0), (p0)) \
    F(natsStatus, kvWatcher_Next, (kvEntry **p0, kvWatcher *p1, int64_t p2), (p0, p1, p2)) \
    V(natsConnection_Close, (natsConnection *p0), (p0)) \
    F(natsStatus, natsConnection_Connect, (natsConnection **p0, natsOptions *p1), (p0, p1)) \
    V(natsConnection_Destroy, (natsConnection *p0), (p0)) \
    F(natsStatus, natsConnection_DrainTimeout, (natsConnection *p0, int64_t p1), (p0, p1)) \
    F(natsStatus, natsConnection_FlushTimeout, (natsConnection *p0, int64_t p1), (p0, p1)) \
    F(natsStatus, natsConnection_GetConnectedUrl, (natsConnection *p0, char *p1, size_t p2), (p0, p1, p2)) \
    F(int64_t, natsConnection_GetMaxPayload, (natsConnection *p0), (p0)) \
    F(natsStatus, natsConnection_GetServers, (natsConnection *p0, char ***p1, int *p2), (p0, p1, p2)) \
    F(_Bool, natsConnection_IsClosed, (natsConnection *p0), (p0)) \
    F(natsStatus, natsConnection_JetStream, (jsCtx **p0, natsConnection *p1, jsOptions *p2), (p0, p1, p2)) \
    F(natsStatus, natsConnection_Publish, (natsConnection *p0, const char *p1, const void *p2, int p3), (p0, p1, p2, p3)) \
    F(natsStatus, natsConnection_PublishRequest, (natsConnection *p0, const char *p1, const char *p2, const void *p3, int p4), (p0, p1, p2, p3, p4)) \
    F(natsStatus, natsConnection_QueueSubscribe, (natsSubscription **p0, natsConnection *p1, const char *p2, const char *p3, natsMsgHandler p4, void *p5), (p0, p1, p2, p3, p4, p5)) \
    F(natsConnStatus, natsConnection_Status, (natsConnection *p0), (p0)) \
    F(natsStatus, natsConnection_Subscribe, (natsSubscription **p0, natsConnection *p1, const char *p2, natsMsgHandler p3, void *p4), (p0, p1, p2, p3, p4)) \
    V(natsMsg_Destroy, (natsMsg *p0), (p0)) \
    F(const char *, natsMsg_GetData, (const natsMsg *p0), (p0)) \
    F(int, natsMsg_GetDataLength, (const natsMsg *p0), (p0)) \
    F(natsStatus, natsMsg_GetMetaData, (jsMsgMetaData **p0, natsMsg *p1), (p0, p1)) \
    F(const char *, natsMsg_GetReply, (const natsMsg *p0), (p0)) \
    F(const char *, natsMsg_GetSubject, (const natsMsg *p0), (p0)) \
    F(_Bool, natsMsg_IsNoResponders, (natsMsg *p0), (p0)) \
    F(natsStatus, natsOptions_Create, (natsOptions **p0), (p0)) \
    V(natsOptions_Destroy, (natsOptions *p0), (p0)) \
    F(natsStatus, natsOptions_LoadCATrustedCertificates, (natsOptions *p0, const char *p1), (p0, p1)) \
    F(natsStatus, natsOptions_LoadCertificatesChain, (natsOptions *p0, const char *p1, const char *p2), (p0, p1, p2)) \
    F(natsStatus, natsOptions_SetCustomInboxPrefix, (natsOptions *p0, const char *p1), (p0, p1)) \
    F(natsStatus, natsOptions_SetMaxReconnect, (natsOptions *p0, int p1), (p0, p1)) \
    F(natsStatus, natsOptions_SetNKeyFromSeed, (natsOptions *p0, const char *p1, const char *p2), (p0, p1, p2)) \
    F(natsStatus, natsOptions_SetName, (natsOptions *p0, const char *p1), (p0, p1)) \
    F(natsStatus, natsOptions_SetReconnectBufSize, (natsOptions *p0, int p1), (p0, p1)) \
    F(natsStatus, natsOptions_SetReconnectWait, (natsOptions *p0, int64_t p1), (p0, p1)) \
    F(natsStatus, natsOptions_SetSecure, (natsOptions *p0, _Bool p1), (p0, p1)) \
    F(natsStatus, natsOptions_SetSendAsap, (natsOptions *p0, _Bool p1), (p0, p1)) \
    F(natsStatus, natsOptions_SetServers, (natsOptions *p0, const char **p1, int p2), (p0, p1, p2)) \
    F(natsStatus, natsOptions_SetTimeout, (natsOptions *p0, int64_t p1), (p0, p1)) \
    F(natsStatus, natsOptions_SetToken, (natsOptions *p0, const char *p1), (p0, p1)) \
    F(natsStatus, natsOptions_SetURL, (natsOptions *p0, const char *p1), (p0, p1)) \
    F(natsStatus, natsOptions_SetUserInfo, (natsOptions *p0, const char *p1, const char *p2), (p0, p1, p2)) \
    F(natsStatus, natsOptions_SetWriteDeadline, (natsOptions *p0, int64_t p1), (p0, p1)) \
    F(natsStatus, natsOptions_UseGlobalMessageDelivery, (natsOptions *p0, _Bool p1), (p0, p1)) \
    F(const char *, natsStatus_GetText, (natsStatus p0), (p0)) \
    V(natsSubscription_Destroy, (natsSubscription *p0), (p0)) \
    F(natsStatus, natsSubscription_Drain, (natsSubscription *p0), (p0)) \
    F(natsStatus, natsSubscription_NextMsg, (natsMsg **p0, natsSubscription *p1, int64_t p2), (p0, p1, p2)) \
    F(natsStatus, natsSubscription_SetOnCompleteCB, (natsSubscription *p0, natsOnCompleteCB p1, void *p2), (p0, p1, p2)) \
    F(natsStatus, natsSubscription_Unsubscribe, (natsSubscription *p0), (p0)) \
    F(const char *, nats_GetLastError, (natsStatus *p0), (p0)) \
    F(natsStatus, nats_Open, (int64_t p0), (p0))


#define PIPETTE_LAZY_THIS nats_library
PIPETTE_LAZY_LIBRARY(nats_library, NATS_FUNCTIONS, "libnats3.4", "libnats.so.3.4", "libnats.so")

// The preload thread: 0 none, 1 being started, 2 running or done, 3 joined.
static int preload_state;
static pthread_t preload_thread;

static void *preload(void *unused) {
    (void)unused;
    // nats_Open initialises OpenSSL (its configuration read, its random generator seeded for
    // libnats' NUIDs) even for a connection without TLS.
    if (!pipette_lazy_library_open(&nats_library)) nats_Open(-1);
    return NULL;
}

void pipette_nats_preload(void) {
    int none = 0;
    if (!__atomic_compare_exchange_n(&preload_state, &none, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
    int started = pthread_create(&preload_thread, NULL, preload, NULL) == 0;
    __atomic_store_n(&preload_state, started ? 2 : 0, __ATOMIC_RELEASE);
}

const char *pipette_nats_open(void) {
    int running = 2;
    if (__atomic_compare_exchange_n(&preload_state, &running, 3, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        pthread_join(preload_thread, NULL);
    return pipette_lazy_library_open(&nats_library);
}
