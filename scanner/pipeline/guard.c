/*
 * guard.c - mapped input that survives its file shrinking under the scan.
 *
 * DESIGN
 * A file is mapped for unpacking (decoders read it at random). If another
 * process truncates the file while it is scanned, touching a page past the
 * new end raises SIGBUS, which by default kills the whole scan. Every
 * mapping of input is therefore registered here while it is in use, and
 * one process-wide SIGBUS handler recognises a fault inside a registered
 * mapping: it maps anonymous zero pages over the rest of that mapping
 * (from the faulting page to its end) and returns, so the access that
 * faulted is made again and reads zeros, and so does every later access,
 * on any thread. The mapping is marked, and whoever registered it warns
 * that the file changed during the scan once the blob is done.
 *
 * Why not siglongjmp to a recovery point: a fault can happen anywhere the
 * input is read: inside Vectorscan (whose scratch would stay marked in
 * use), inside zlib, liblzma or libarchive (whose state would leak), on a
 * worker running another worker's job task (whose recovery point is for
 * another file), or while the job lists are being walked. Replacing the
 * lost pages needs no unwinding: every decoder already copes with bytes
 * that make no sense, and the scan of the blob ends normally.
 *
 * mmap is not on POSIX's list of async-signal-safe functions, but on Linux
 * it is one system call with no user-space state. A fault outside every
 * registered mapping goes to the handler that was there before (the
 * sanitizers'), or kills the process as it would have without this one.
 *
 * The registry is a fixed table of slots claimed with atomics: the handler
 * reads it without locks. A mapping that finds no free slot is not made
 * (the caller reads the file instead).
 */
#include "internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLOTS 256

enum { FREE, CLAIMED, ACTIVE };

struct ks_guard {
    _Atomic int state;
    _Atomic uintptr_t start, end; /* [start, end): whole pages */
    _Atomic bool faulted;
};

static ks_guard slots[SLOTS];
static struct sigaction previous;
static uintptr_t page_size;
static pthread_once_t installed = PTHREAD_ONCE_INIT;
static bool handler_ok;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    uintptr_t a = (uintptr_t)si->si_addr;
    for (size_t i = 0; i < SLOTS; i++) {
        ks_guard *g = &slots[i];
        if (atomic_load(&g->state) != ACTIVE)
            continue;
        uintptr_t s = atomic_load(&g->start), e = atomic_load(&g->end);
        if (a < s || a >= e)
            continue;
        uintptr_t pg = a & ~(page_size - 1);
        void *m = mmap((void *)pg, e - pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
                                                          MAP_NORESERVE, -1, 0);
        if (m != MAP_FAILED) {
            atomic_store(&g->faulted, true);
            return;
        }
        break;
    }
    /* Not a fault of mapped input: what would have happened without us. */
    if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction) {
        previous.sa_sigaction(sig, si, uc);
        return;
    }
    if (!(previous.sa_flags & SA_SIGINFO) && previous.sa_handler != SIG_DFL &&
        previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    /* Returning re-runs the access, which now dies of SIGBUS. */
    signal(SIGBUS, SIG_DFL);
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
    handler_ok = sigaction(SIGBUS, &sa, &previous) == 0;
}

ks_guard *ks_guard_add(const uint8_t *map, size_t len)
{
    pthread_once(&installed, install);
    if (!handler_ok || !map || len == 0)
        return NULL;
    for (size_t i = 0; i < SLOTS; i++) {
        ks_guard *g = &slots[i];
        int expect = FREE;
        if (!atomic_compare_exchange_strong(&g->state, &expect, CLAIMED))
            continue;
        uintptr_t s = (uintptr_t)map;
        atomic_store(&g->start, s);
        atomic_store(&g->end, (s + len + page_size - 1) & ~(page_size - 1));
        atomic_store(&g->faulted, false);
        atomic_store(&g->state, ACTIVE);
        return g;
    }
    return NULL;
}

bool ks_guard_remove(ks_guard *g)
{
    if (!g)
        return false;
    bool faulted = atomic_load(&g->faulted);
    atomic_store(&g->state, FREE);
    return faulted;
}
