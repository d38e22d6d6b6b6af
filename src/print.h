// --print: the plan, in application order, as text or as one JSON object. Never the
// contents of a secret.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "loader.h"
#include "plan.h"

namespace jharden {

nlohmann::json plan_to_json(const Loaded& loaded, const Plan& plan);
std::string plan_to_text(const Loaded& loaded, const Plan& plan);

// The text of --json: indented; a path or a command line need not be UTF-8, which JSON strings
// must be, so such bytes are shown as U+FFFD rather than ending in nlohmann's exception.
std::string json_text(const nlohmann::json& j);

}  // namespace jharden
