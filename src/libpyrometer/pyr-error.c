/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "pyr-error.h"

G_DEFINE_QUARK (pyr-import-error-quark, pyr_import_error)
