/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The pieces of pyrometer-sampler --list that read text: memory maps, command lines, cgroups. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "pyr-list.h"

static void
test_maps_libpython_wins (void)
{
  const char *maps =
    "55d0c0000000-55d0c0001000 r--p 00000000 08:01 123 /usr/bin/uwsgi-core\n"
    "7f0000000000-7f0000100000 r--p 00000000 08:01 124 /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0\n"
    "7f0000100000-7f0000200000 r-xp 00100000 08:01 124 /usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0\n"
    "7f0000300000-7f0000301000 r--p 00000000 08:01 125 /usr/lib/uwsgi/plugins/python311_plugin.so\n"
    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]\n";
  char image[256];
  int minor = 0;

  g_assert_cmpint (pyr_list_classify_maps (maps, image, sizeof image, &minor), ==, PYR_LIST_BY_MAPS);
  g_assert_cmpstr (image, ==, "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0");
  g_assert_cmpint (minor, ==, 11);
}

static void
test_maps_executable_and_loader (void)
{
  const char *maps =
    "7f0000000000-7f0000001000 r--p 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
    "7f1000000000-7f1000001000 r--p 00000000 08:01 2 /opt/py/bin/python3.13d\n"
    "7f2000000000-7f2000001000 r--p 00000000 08:01 3 /opt/py/lib/python3.13/lib-dynload/_json.cpython-313d-x86_64-linux-gnu.so\n";
  char image[256];
  int minor = 0;

  g_assert_cmpint (pyr_list_classify_maps (maps, image, sizeof image, &minor), ==, PYR_LIST_BY_MAPS);
  g_assert_cmpstr (image, ==, "/opt/py/bin/python3.13d");
  g_assert_cmpint (minor, ==, 13);
}

static void
test_maps_not_python (void)
{
  const char *maps =
    "55d0c0000000-55d0c0001000 r--p 00000000 08:01 123 /usr/bin/bash\n"
    "7f2000000000-7f2000001000 r--p 00000000 08:01 3 /home/u/python_helpers/libpython_stuff.so\n"
    "7f3000000000-7f3000001000 r--p 00000000 08:01 4 /home/u/python-notes.txt\n"
    "7f4000000000-7f4000001000 r--p 00000000 08:01 5 /usr/lib/python2.7/foo\n";
  char image[256];
  int minor = 0;

  g_assert_cmpint (pyr_list_classify_maps (maps, image, sizeof image, &minor), ==, PYR_LIST_NOT_PYTHON);
  g_assert_cmpstr (image, ==, "");
  g_assert_cmpint (minor, ==, -1);
}

static void
test_command (void)
{
  const char *direct[] = { "/usr/bin/python3.12", "-m", "http.server" };
  const char *loader[] = { "/lib64/ld-linux-x86-64.so.2", "--library-path", "/opt/lib",
                           "--argv0", "python", "/opt/bin/python3.9", "x.py" };
  const char *other_loader[] = { "/lib64/ld-linux-x86-64.so.2", "/usr/bin/ls" };
  const char *shell[] = { "sh", "-c", "python3 x.py" };
  const char *retitled[] = { "gunicorn: master [app:wsgi]" };
  int minor = 0;

  g_assert_cmpint (pyr_list_classify_command (direct, 3, "python3.12", &minor), ==, PYR_LIST_BY_COMMAND);
  g_assert_cmpint (minor, ==, 12);
  g_assert_cmpint (pyr_list_classify_command (loader, 7, "ld-linux-x86-64", &minor), ==, PYR_LIST_BY_COMMAND);
  g_assert_cmpint (minor, ==, 9);
  g_assert_cmpint (pyr_list_classify_command (other_loader, 2, "ld-linux-x86-64", &minor), ==, PYR_LIST_NOT_PYTHON);
  g_assert_cmpint (pyr_list_classify_command (shell, 3, "sh", &minor), ==, PYR_LIST_NOT_PYTHON);
  g_assert_cmpint (pyr_list_classify_command (retitled, 1, "gunicorn", &minor), ==, PYR_LIST_BY_COMMAND);
  g_assert_cmpint (minor, ==, -1);
  g_assert_cmpint (pyr_list_classify_command (NULL, 0, "python3", &minor), ==, PYR_LIST_BY_COMMAND);
}

static void
expect_container (const char *cgroup,
                  const char *kind,
                  const char *id)
{
  char k[32], i[128];
  gboolean found = pyr_list_container_from_cgroup (cgroup, k, sizeof k, i, sizeof i);

  if (kind == NULL)
    {
      g_assert_false (found);
      return;
    }
  g_assert_true (found);
  g_assert_cmpstr (k, ==, kind);
  g_assert_cmpstr (i, ==, id);
}

static void
test_containers (void)
{
  const char *hex = "4f6c9a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab";
  g_autofree char *docker2 = g_strdup_printf ("0::/system.slice/docker-%s.scope\n", hex);
  g_autofree char *docker1 = g_strdup_printf ("12:pids:/docker/%s\n1:name=systemd:/docker/%s\n",
                                              hex, hex);
  g_autofree char *podman = g_strdup_printf ("0::/user.slice/user-1000.slice/user@1000.service/"
                                             "user.slice/libpod-%s.scope/container\n", hex);
  g_autofree char *conmon = g_strdup_printf ("0::/user.slice/libpod-conmon-%s.scope\n", hex);
  g_autofree char *containerd = g_strdup_printf ("0::/system.slice/cri-containerd-%s.scope\n", hex);
  g_autofree char *kube = g_strdup_printf ("0::/kubepods.slice/kubepods-burstable.slice/"
                                           "kubepods-burstable-pod1234.slice/crio-%s.scope\n", hex);

  expect_container (docker2, "docker", "4f6c9a1b2c3d");
  expect_container (docker1, "docker", "4f6c9a1b2c3d");
  expect_container (podman, "podman", "4f6c9a1b2c3d");
  expect_container (conmon, NULL, NULL);
  expect_container (containerd, "containerd", "4f6c9a1b2c3d");
  expect_container (kube, "cri-o", "4f6c9a1b2c3d");
  expect_container ("0::/lxc.payload.web1/init.scope\n", "lxc", "web1");
  expect_container ("0::/machine.slice/machine-debian.scope\n", "nspawn", "debian");
  expect_container ("0::/user.slice/user-1000.slice/user@1000.service/app.slice/"
                    "app-flatpak-org.gnome.Builder-41234.scope\n", "flatpak", "org.gnome.Builder");
  expect_container ("0::/user.slice/user-1000.slice/session-2.scope\n", NULL, NULL);
  expect_container ("", NULL, NULL);
}

static void
test_json_string (void)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&buf, &len);
  const char in[] = "a\"b\\c\n\x01 \xc3\xa9 \xff \xe2\x82";

  pyr_list_json_string (f, in, sizeof in - 1);
  fclose (f);
  g_assert_cmpstr (buf, ==, "\"a\\\"b\\\\c\\u000a\\u0001 \xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\"");
  g_assert_true (g_utf8_validate (buf, -1, NULL));
  free (buf);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/list/maps/libpython-wins", test_maps_libpython_wins);
  g_test_add_func ("/list/maps/executable-through-loader", test_maps_executable_and_loader);
  g_test_add_func ("/list/maps/not-python", test_maps_not_python);
  g_test_add_func ("/list/command", test_command);
  g_test_add_func ("/list/containers", test_containers);
  g_test_add_func ("/list/json-string", test_json_string);
  return g_test_run ();
}
