#pragma once
// Drill reports: JSON (everything), JUnit XML (one testcase per expectation), the timeline as
// JSON lines (byte-identical for the same fixture + seed + binary), and one self-contained HTML
// file with an SVG picture of the run.
#include <string>
#include <vector>

#include "emulator/drill/runner.hpp"

namespace zonesim::drill {

json to_json(const DrillResult& r);
std::string timeline_jsonl(const DrillResult& r);
std::string junit_xml(const std::vector<DrillResult>& results);
std::string html_report(const DrillResult& r);

}  // namespace zonesim::drill
