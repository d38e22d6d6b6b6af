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

}  // namespace jharden
