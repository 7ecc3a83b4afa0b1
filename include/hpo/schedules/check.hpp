// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

#include <fmt/format.h>

#include "hpo/errors.hpp"

namespace hpo::detail {

/// Throws InvalidArgument "hpo::<type>: <name> must be <rule> (got <value>)" unless `ok`.
template <class T>
void check_schedule_arg(bool ok, std::string_view type, std::string_view name,
                        std::string_view rule, const T& value) {
  if (!ok)
    throw InvalidArgument(fmt::format("hpo::{}: {} must be {} (got {})", type, name, rule, value));
}

}  // namespace hpo::detail
