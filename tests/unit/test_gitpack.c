/*
 * test_gitpack.c - the packfile reader gives exactly libgit2's bytes for
 * every blob of a real, deeply deltified pack built by git at test time,
 * and reports damage instead of crashing.
 */
#include "support.h"

#include "source/gitpack.h"

#include <dirent.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *build_repo(void)
{
    char *dir = t_tmpdir();
    char cmd[8192];
    /* 60 versions of each of 5 files, packed with long delta chains. */
    snprintf(cmd, sizeof cmd,
             "set -e; exec </dev/null; cd '%s'; git init -q -b main .; "
             "git config gc.auto 0; git config maintenance.auto false; "
             "for v in $(seq 1 60); do for f in 1 2 3 4 5; do "
             "  seq 1 $((200 + v * f)) | sed \"s/^/line $f $v /\" > file$f.txt; "
             "  [ $((v %% 7)) -eq 0 ] && echo 'KEY=AKIAZ7Q2WERTYUIOPL3K' >> file$f.txt; true; "
             "done; git add -A; git -c user.name=t -c user.email=t@t commit -q -m v$v; done; "
             "git rev-list --objects --all | "
             "git pack-objects -q --depth=50 --window=50 .git/objects/pack/pack >/dev/null; "
             "git prune-packed",
             dir);
    assert_int_equal(system(cmd), 0);
    return dir;
}

static char *find_pack(const char *dir)
{
    char pdir[4096];
    snprintf(pdir, sizeof pdir, "%s/.git/objects/pack", dir);
    DIR *d = opendir(pdir);
    assert_non_null(d);
    struct dirent *e;
    char *base = NULL;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".idx") == 0) {
            base = ks_xmalloc(strlen(pdir) + l + 2);
            sprintf(base, "%s/%.*s", pdir, (int)(l - 4), e->d_name);
        }
    }
    closedir(d);
    assert_non_null(base);
    return base;
}

static void test_gitpack__every_blob_matches_libgit2(void **state)
{
    (void)state;
    git_libgit2_init();
    char *dir = build_repo();
    char *base = find_pack(dir);
    ks_pack *p;
    assert_int_equal(ks_pack_open(&p, base), 0);
    git_repository *repo;
    assert_int_equal(git_repository_open(&repo, dir), 0);
    git_odb *odb;
    assert_int_equal(git_repository_odb(&odb, repo), 0);
    /* A small cache forces bases to be rebuilt: correctness either way. */
    size_t caches[] = {64u << 20, 4096};
    for (int c = 0; c < 2; c++) {
        ks_pack_reader *r = ks_pack_reader_new(p, caches[c]);
        size_t blobs = 0;
        for (size_t i = 0; i < ks_pack_count(p); i++) {
            uint8_t oid[20];
            bool is_blob;
            assert_int_equal(ks_pack_entry(r, i, oid, &is_blob), 0);
            if (!is_blob)
                continue;
            const uint8_t *data;
            size_t len;
            assert_int_equal(ks_pack_read(r, i, &data, &len), 0);
            git_odb_object *o;
            git_oid id;
            git_oid_fromraw(&id, oid);
            assert_int_equal(git_odb_read(&o, odb, &id), 0);
            assert_int_equal(len, git_odb_object_size(o));
            assert_memory_equal(data, git_odb_object_data(o), len);
            assert_true(ks_pack_has(p, oid));
            git_odb_object_free(o);
            blobs++;
        }
        assert_int_equal(blobs, 300);
        ks_pack_reader_free(r);
    }
    git_odb_free(odb);
    git_repository_free(repo);
    ks_pack_free(p);

    /* Damage: bytes overwritten in the middle of the pack make errors for
     * the objects they hit, never a crash or a wrong result. */
    char pack[4200];
    snprintf(pack, sizeof pack, "%s.pack", base);
    FILE *f = fopen(pack, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size / 2, SEEK_SET);
    for (int i = 0; i < 4000; i++)
        fputc((i * 37) & 0xff, f);
    fclose(f);
    if (ks_pack_open(&p, base) == 0) {
        ks_pack_reader *r = ks_pack_reader_new(p, 1 << 20);
        size_t errors = 0;
        for (size_t i = 0; i < ks_pack_count(p); i++) {
            uint8_t oid[20];
            bool is_blob;
            const uint8_t *data;
            size_t len;
            if (ks_pack_entry(r, i, oid, &is_blob) != 0 || ks_pack_read(r, i, &data, &len) != 0)
                errors++;
        }
        assert_true(errors > 0 && errors < ks_pack_count(p));
        ks_pack_reader_free(r);
        ks_pack_free(p);
    }
    free(base);
    t_rmtree(dir);
    free(dir);
    git_libgit2_shutdown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gitpack__every_blob_matches_libgit2),
    };
    return cmocka_run_group_tests_name("gitpack", tests, NULL, NULL);
}
