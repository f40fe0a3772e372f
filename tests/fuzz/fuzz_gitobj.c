/*
 * fuzz_gitobj.c - libFuzzer target: the git objects the history walk
 * parses itself (scanner/source/gitwalk.c): a tree object's entries, in
 * git's order, and a commit's tree, parents and committer time. The first
 * byte says which.
 */
#include "fuzz.h"
#include "source/git.h"

#include <string.h>

/* libgit2 parses the ids, and its errors need its global state. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ks_git_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool tree = data[0] & 1;
    data++;
    size--;
    if (tree) {
        size_t pos = 0, prev_pos = 0;
        ks_tree_entry e, prev;
        bool have_prev = false;
        while (ks_gitwalk_tree_next(data, size, &pos, &e)) {
            FZ_CHECK(pos > prev_pos && pos <= size);
            FZ_CHECK((const uint8_t *)e.name >= data && e.oid + 20 <= data + size);
            FZ_CHECK((const uint8_t *)e.name + e.nlen < e.oid);
            if (have_prev)
                (void)ks_gitwalk_tree_cmp(&prev, &e);
            prev = e;
            have_prev = true;
            prev_pos = pos;
        }
    } else {
        git_oid t, parents[16];
        size_t np = 99;
        int64_t time = 0;
        (void)ks_gitwalk_parse_commit(data, size, &t, parents, &np, 16, &time);
        FZ_CHECK(np <= 16);
    }
    return 0;
}
