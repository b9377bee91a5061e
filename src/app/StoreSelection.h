// Which store `npufleet server` uses: SQLite in the data dir (the default), or PostgreSQL when
// [store] url (--database, NPUFLEET_STORE_URL) is a postgresql:// URL, its password read from
// [store] password_file so that it is never on a command line, in a config file or in a log.
#pragma once

#include "common/Config.h"
#include "common/Error.h"

namespace npufleet::app {

void addStoreConfigKeys(ConfigSchema& schema);

// okStatus() for SQLite. PostgreSQL is refused, naming what has no PostgreSQL implementation
// yet: serving with some state in PostgreSQL and the rest in a local SQLite file would look like
// a replica-ready setup and not be one.
Status checkStoreSelection(const Config& config);

}  // namespace npufleet::app
