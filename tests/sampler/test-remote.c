/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pyr_remote_readv on this process's own memory: regions read in one call, nearby ones merged
 * into one read, must each get exactly their own bytes, and fail exactly when one of them
 * cannot be read, whatever lies between them. */
#include <glib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pyr-remote.h"

#define PAGE 4096u

struct pages
{
  uint8_t *base;   /* 4 pages; the third is unmapped */
};

static void
pages_init (struct pages *p)
{
  p->base = mmap (NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (p->base != MAP_FAILED);
  for (size_t i = 0; i < 4 * PAGE; i++)
    if (i / PAGE != 2)
      p->base[i] = (uint8_t) (i * 7 + i / 251);
  g_assert_cmpint (munmap (p->base + 2 * PAGE, PAGE), ==, 0);
}

static void
pages_clear (struct pages *p)
{
  munmap (p->base, 2 * PAGE);
  munmap (p->base + 3 * PAGE, PAGE);
}

static struct pyr_remote
open_self (const struct pages *p)
{
  struct pyr_remote r;
  struct pyr_err err = { 0 };

  g_assert_cmpint (pyr_remote_open (&r, getpid (), (uint64_t) (uintptr_t) p->base, &err), ==, 0);
  return r;
}

static uint64_t
at (const struct pages *p,
    size_t              off)
{
  return (uint64_t) (uintptr_t) (p->base + off);
}

static void
test_regions_get_their_own_bytes (void)
{
  struct pages p;
  struct pyr_remote r;
  /* unsorted, overlapping, adjacent, a gap under a page, far apart, across a page boundary */
  static const size_t offs[] = { 3000, 40, 48, 40, 100, 4090, 0, 3 * PAGE + 8, 1500, 56 };
  static const size_t lens[] = { 8, 8, 8, 16, 700, 20, 1, 64, 1000, 300 };
  uint8_t bufs[G_N_ELEMENTS (offs)][1024];
  struct pyr_remote_iov iov[G_N_ELEMENTS (offs)];
  uint64_t reads;

  pages_init (&p);
  r = open_self (&p);
  memset (bufs, 0xAA, sizeof bufs);
  for (size_t i = 0; i < G_N_ELEMENTS (offs); i++)
    iov[i] = (struct pyr_remote_iov) { at (&p, offs[i]), bufs[i], lens[i] };
  reads = r.reads;
  g_assert_cmpint (pyr_remote_readv (&r, iov, G_N_ELEMENTS (iov)), ==, 0);
  g_assert_cmpuint (r.reads - reads, ==, 1);
  for (size_t i = 0; i < G_N_ELEMENTS (offs); i++)
    {
      g_assert_cmpmem (bufs[i], lens[i], p.base + offs[i], lens[i]);
      g_assert_cmpuint (bufs[i][lens[i]], ==, 0xAA);   /* nothing written past the region */
    }
  pyr_remote_close (&r);
  pages_clear (&p);
}

static void
test_unmapped_page_between_is_not_read (void)
{
  struct pages p;
  struct pyr_remote r;
  uint8_t a[16], b[16];
  struct pyr_remote_iov iov[] = {
    { 0, a, sizeof a },
    { 0, b, sizeof b },
  };

  pages_init (&p);
  r = open_self (&p);
  /* the end of page 1 and the start of page 3, a page apart: merging them would read the
   * hole between them and fail */
  iov[0].addr = at (&p, 2 * PAGE - 16);
  iov[1].addr = at (&p, 3 * PAGE);
  g_assert_cmpint (pyr_remote_readv (&r, iov, 2), ==, 0);
  g_assert_cmpmem (a, sizeof a, p.base + 2 * PAGE - 16, sizeof a);
  g_assert_cmpmem (b, sizeof b, p.base + 3 * PAGE, sizeof b);
  pyr_remote_close (&r);
  pages_clear (&p);
}

static void
test_one_unreadable_region_fails_all (void)
{
  struct pages p;
  struct pyr_remote r;
  uint8_t a[16], b[16], c[16];
  struct pyr_remote_iov iov[] = {
    { 0, a, sizeof a },
    { 0, b, sizeof b },
    { 0, c, sizeof c },
  };

  pages_init (&p);
  r = open_self (&p);
  iov[0].addr = at (&p, 2 * PAGE - 8);   /* runs into the hole */
  iov[1].addr = at (&p, 2 * PAGE - 40);  /* readable, merged with the one before */
  iov[2].addr = at (&p, 100);
  g_assert_cmpint (pyr_remote_readv (&r, iov, 3), ==, -EFAULT);
  iov[0].addr = at (&p, 2 * PAGE + 100);  /* inside the hole */
  g_assert_cmpint (pyr_remote_readv (&r, iov, 3), ==, -EFAULT);
  iov[0].addr = 0;
  g_assert_cmpint (pyr_remote_readv (&r, iov, 3), ==, -EFAULT);
  pyr_remote_close (&r);
  pages_clear (&p);
}

/* Frame objects as 3.9 keeps them: many small regions a few hundred bytes apart, more than
 * one merged read may cover, in any order; and the same without a bounce buffer. */
static void
test_many_regions (void)
{
  enum { N = 600, STRIDE = 432, LEN = 112 };
  size_t size = (size_t) N * STRIDE + PAGE;
  uint8_t *src = g_malloc (size);
  uint8_t (*dst)[LEN] = g_malloc ((size_t) N * LEN);
  struct pyr_remote_iov *iov = g_new (struct pyr_remote_iov, N);
  struct pyr_remote r;
  struct pyr_err err = { 0 };

  for (size_t i = 0; i < size; i++)
    src[i] = (uint8_t) (i * 13 + i / 4093);
  g_assert_cmpint (pyr_remote_open (&r, getpid (), (uint64_t) (uintptr_t) src, &err), ==, 0);
  for (int pass = 0; pass < 2; pass++)
    {
      memset (dst, 0, (size_t) N * LEN);
      for (size_t i = 0; i < N; i++)
        {
          /* walk order: a leaf-to-root chain, partly descending, partly scattered */
          size_t slot = i % 3 == 0 ? N - 1 - i : (i * 7) % N;
          iov[i] = (struct pyr_remote_iov) { (uint64_t) (uintptr_t) (src + slot * STRIDE),
                                             dst[i], LEN };
        }
      g_assert_cmpint (pyr_remote_readv (&r, iov, N), ==, 0);
      for (size_t i = 0; i < N; i++)
        g_assert_cmpmem (dst[i], LEN, (const uint8_t *) (uintptr_t) iov[i].addr, LEN);
      /* the second pass: as when the buffer could not be allocated */
      g_free (r.bounce);
      r.bounce = NULL;
    }
  pyr_remote_close (&r);
  g_free (iov);
  g_free (dst);
  g_free (src);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/remote/regions-get-their-own-bytes", test_regions_get_their_own_bytes);
  g_test_add_func ("/remote/unmapped-page-between-is-not-read",
                   test_unmapped_page_between_is_not_read);
  g_test_add_func ("/remote/one-unreadable-region-fails-all",
                   test_one_unreadable_region_fails_all);
  g_test_add_func ("/remote/many-regions", test_many_regions);
  return g_test_run ();
}
