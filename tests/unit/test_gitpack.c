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
#include <unistd.h>

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

typedef struct known {
    uint8_t oid[20];
    uint64_t off, end;   /* where the object's bytes are in the intact pack */
    git_odb_object *obj; /* blobs: libgit2's content, read before the damage */
} known;

static int cmp_known(const void *a, const void *b)
{
    uint64_t x = ((const known *)a)->off, y = ((const known *)b)->off;
    return x < y ? -1 : x > y;
}

static void test_gitpack__truncated_reads_what_is_before_the_cut(void **state)
{
    (void)state;
    git_libgit2_init();
    char *dir = build_repo();
    char *base = find_pack(dir);
    char cmd[8400], pack[4200];
    snprintf(pack, sizeof pack, "%s.pack", base);
    FILE *f = fopen(pack, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    uint64_t size = (uint64_t)ftell(f);
    fclose(f);

    /* Every object's offset, from git itself; its end is the next one's
     * offset (or the trailer). */
    snprintf(cmd, sizeof cmd, "git show-index < '%s.idx'", base);
    FILE *pipe = popen(cmd, "r");
    assert_non_null(pipe);
    known *k = NULL;
    size_t n = 0, cap = 0;
    unsigned long long off;
    char hex[41];
    while (fscanf(pipe, "%llu %40s %*s", &off, hex) == 2) {
        ks_grow((void **)&k, &cap, n + 1, sizeof(known));
        memset(&k[n], 0, sizeof(known));
        git_oid id;
        assert_int_equal(git_oid_fromstr(&id, hex), 0);
        memcpy(k[n].oid, id.id, 20);
        k[n++].off = off;
    }
    assert_int_equal(pclose(pipe), 0);
    assert_true(n > 300);
    qsort(k, n, sizeof(known), cmp_known);
    for (size_t i = 0; i < n; i++)
        k[i].end = i + 1 < n ? k[i + 1].off : size - 20;
    git_repository *repo;
    assert_int_equal(git_repository_open(&repo, dir), 0);
    git_odb *odb;
    assert_int_equal(git_repository_odb(&odb, repo), 0);
    for (size_t i = 0; i < n; i++) {
        git_oid id;
        git_oid_fromraw(&id, k[i].oid);
        git_odb_object *o;
        assert_int_equal(git_odb_read(&o, odb, &id), 0);
        if (git_odb_object_type(o) == GIT_OBJECT_BLOB)
            k[i].obj = o;
        else
            git_odb_object_free(o);
    }
    git_odb_free(odb);
    git_repository_free(repo);

    /* Cut by 100 bytes, then at half: exactly the blobs whose bytes end
     * before the cut are read (their delta bases lie before them), with
     * libgit2's content; the others are errors; nothing crashes. */
    uint64_t cuts[] = {size - 100, size / 2};
    for (int c = 0; c < 2; c++) {
        assert_int_equal(truncate(pack, (off_t)cuts[c]), 0);
        ks_pack *p;
        assert_int_equal(ks_pack_open(&p, base), 0);
        uint64_t got_size;
        size_t lost, expect_lost = 0, ok = 0, expect_ok = 0;
        for (size_t i = 0; i < n; i++)
            expect_lost += k[i].off >= cuts[c];
        assert_true(ks_pack_damage(p, &got_size, &lost));
        assert_int_equal(got_size, cuts[c]);
        assert_int_equal(lost, expect_lost);
        ks_pack_reader *r = ks_pack_reader_new(p, 1 << 20);
        for (size_t i = 0; i < ks_pack_count(p); i++) {
            assert_int_equal(ks_pack_offset(p, i), k[i].off);
            uint8_t oid[20];
            bool is_blob = false;
            const uint8_t *data;
            size_t len;
            int rc = ks_pack_entry(r, i, oid, &is_blob);
            assert_memory_equal(oid, k[i].oid, 20);
            assert_int_equal(ks_pack_lost(p, oid), k[i].off >= cuts[c]);
            if (!k[i].obj)
                continue;
            bool before = k[i].end <= cuts[c];
            expect_ok += before;
            if (rc == 0 && is_blob && ks_pack_read(r, i, &data, &len) == 0) {
                assert_true(before);
                assert_int_equal(len, git_odb_object_size(k[i].obj));
                assert_memory_equal(data, git_odb_object_data(k[i].obj), len);
                ok++;
            }
        }
        assert_int_equal(ok, expect_ok);
        assert_true(c == 0 ? ok >= 290 : ok > 0 && ok < 300); /* the cuts mean something */
        ks_pack_reader_free(r);
        ks_pack_free(p);
    }
    for (size_t i = 0; i < n; i++)
        git_odb_object_free(k[i].obj);
    free(k);
    free(base);
    t_rmtree(dir);
    free(dir);
    git_libgit2_shutdown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gitpack__every_blob_matches_libgit2),
        cmocka_unit_test(test_gitpack__truncated_reads_what_is_before_the_cut),
    };
    return cmocka_run_group_tests_name("gitpack", tests, NULL, NULL);
}
