// SPDX-License-Identifier: MIT
#pragma once

// The tables of hpo::PostgresStorage (schema version 1), created on first use.
// Internal: include <hpo/storage/postgres_storage.hpp>.

namespace hpo::detail::pg {

/// The schema version this hpo reads and writes (a row of hpo_schema_version).
inline constexpr int kSchemaVersion = 1;

/// First key of every advisory lock hpo takes (two-key form, so that hpo's locks never collide
/// with an application's one-key locks): "hpo" in ASCII. The second key is a study's id, or 0
/// for the creation of the schema.
inline constexpr int kLockClass = 0x68706f;

/// Creates whatever is missing of schema version 1. Run inside a transaction holding the
/// advisory lock (kLockClass, 0), so that concurrent first uses do not race on CREATE.
///
/// Trial states are hpo::TrialState's values: 0 Running, 1 Complete, 2 Pruned, 3 Failed,
/// 4 Waiting. Every write to a trial (its row or any of its params, intermediate values or
/// attributes) sets its `updated` to a new value of hpo_updates: readers fetch the trials whose
/// `updated` is above the largest they have seen (see PostgresStorage for why none is missed).
inline constexpr const char* kCreateSchema = R"sql(
CREATE TABLE IF NOT EXISTS hpo_schema_version (version integer NOT NULL);
CREATE SEQUENCE IF NOT EXISTS hpo_updates AS bigint;
CREATE TABLE IF NOT EXISTS hpo_studies (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  directions text NOT NULL,
  next_number integer NOT NULL DEFAULT 0,
  created timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS hpo_trials (
  study_id integer NOT NULL REFERENCES hpo_studies (id) ON DELETE CASCADE,
  number integer NOT NULL,
  state smallint NOT NULL,
  vals double precision[] NOT NULL DEFAULT '{}',
  constraints double precision[] NOT NULL DEFAULT '{}',
  datetime_start timestamptz,
  datetime_complete timestamptz,
  fail_reason text NOT NULL DEFAULT '',
  updated bigint NOT NULL,
  create_token text,
  claim_token text,
  finish_token text,
  PRIMARY KEY (study_id, number)
);
CREATE INDEX IF NOT EXISTS hpo_trials_updated ON hpo_trials (study_id, updated);
CREATE INDEX IF NOT EXISTS hpo_trials_state ON hpo_trials (study_id, state, number);
CREATE UNIQUE INDEX IF NOT EXISTS hpo_trials_create_token ON hpo_trials (study_id, create_token);
CREATE INDEX IF NOT EXISTS hpo_trials_claim_token ON hpo_trials (study_id, claim_token)
  WHERE claim_token IS NOT NULL;
CREATE TABLE IF NOT EXISTS hpo_params (
  study_id integer NOT NULL,
  number integer NOT NULL,
  position integer NOT NULL,
  name text NOT NULL,
  distribution text NOT NULL,
  internal double precision NOT NULL,
  PRIMARY KEY (study_id, number, name),
  FOREIGN KEY (study_id, number) REFERENCES hpo_trials ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS hpo_intermediate_values (
  study_id integer NOT NULL,
  number integer NOT NULL,
  step bigint NOT NULL,
  value double precision NOT NULL,
  PRIMARY KEY (study_id, number, step),
  FOREIGN KEY (study_id, number) REFERENCES hpo_trials ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS hpo_attrs (
  study_id integer NOT NULL,
  number integer NOT NULL,
  kind "char" NOT NULL,
  key text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (study_id, number, kind, key),
  FOREIGN KEY (study_id, number) REFERENCES hpo_trials ON DELETE CASCADE
);
)sql";

}  // namespace hpo::detail::pg
