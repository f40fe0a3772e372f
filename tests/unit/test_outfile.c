/*
 * test_outfile.c - files written whole and never through a planted name:
 * what every report, baseline, cache and hook write goes through.
 */
#include "support.h"

#include "core/outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Entries of dir other than . and .. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_outfile__replaces_a_symlink_not_its_target(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    char *victim = t_write(dir, "victim.txt", "victim\n", 7);
    char path[4096];
    snprintf(path, sizeof path, "%s/out.json", dir);
    assert_int_equal(symlink(victim, path), 0);
    ks_outfile o;
    assert_int_equal(ks_outfile_open(&o, path, 0644, "report"), 0);
    fputs("new\n", o.f);
    assert_int_equal(ks_outfile_commit(&o, "report"), 0);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_string_equal(slurp(path), "new\n");
    assert_string_equal(slurp(victim), "victim\n");
    assert_int_equal(entries(dir), 2); /* no temporary file left */
    free(victim);
    t_rmtree(dir);
    free(dir);
}

static void test_outfile__abort_keeps_the_old_file(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    char *path = t_write(dir, "b.json", "old\n", 4);
    ks_outfile o;
    assert_int_equal(ks_outfile_open(&o, path, 0644, "baseline"), 0);
    fputs("half a docu", o.f);
    ks_outfile_abort(&o);
    assert_string_equal(slurp(path), "old\n");
    assert_int_equal(entries(dir), 1);
    free(path);
    t_rmtree(dir);
    free(dir);
}

static void test_outfile__write_error_names_output_and_reason(void **state)
{
    (void)state;
    int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    ks_outfile o;
    ks_outfile_open_fd(&o, fd);
    for (int i = 0; i < 10000; i++)
        fputs("0123456789", o.f);
    assert_true(ks_outfile_failed(&o));
    assert_int_equal(ks_outfile_commit(&o, "json report"), KS_EIO);
    char want[64];
    snprintf(want, sizeof want, "fd %d: cannot write the json report: ", fd);
    assert_non_null(strstr(ks_error_msg(), want));
    assert_non_null(strstr(ks_error_msg(), strerror(ENOSPC)));
    close(fd);
}

static void test_outfile__missing_directory(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/no/such/r.json", dir);
    ks_outfile o;
    assert_int_equal(ks_outfile_open(&o, path, 0644, "report"), KS_EIO);
    assert_non_null(strstr(ks_error_msg(), path));
    assert_non_null(strstr(ks_error_msg(), strerror(ENOENT)));
    t_rmtree(dir);
    free(dir);
}

static void test_outfile__target_is_a_directory(void **state)
{
    (void)state;
    char *dir = t_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/sub", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    ks_outfile o;
    assert_int_equal(ks_outfile_open(&o, path, 0644, "report"), 0);
    fputs("x\n", o.f);
    assert_int_equal(ks_outfile_commit(&o, "report"), KS_EIO);
    assert_non_null(strstr(ks_error_msg(), path));
    assert_non_null(strstr(ks_error_msg(), strerror(EISDIR)));
    assert_int_equal(entries(dir), 1); /* the directory, no temporary file */
    t_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outfile__replaces_a_symlink_not_its_target),
        cmocka_unit_test(test_outfile__abort_keeps_the_old_file),
        cmocka_unit_test(test_outfile__write_error_names_output_and_reason),
        cmocka_unit_test(test_outfile__missing_directory),
        cmocka_unit_test(test_outfile__target_is_a_directory),
    };
    return cmocka_run_group_tests_name("outfile", tests, NULL, NULL);
}
