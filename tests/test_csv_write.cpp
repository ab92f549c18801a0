#include <catch2/catch.hpp>

#include "csv_write.h"
#include "labels_csv.h"

#include <cmath>
#include <string>

TEST_CASE("CSV cells: quoting, formulas, numbers") {
    CHECK(csv_text("plain.png") == "plain.png");
    CHECK(csv_text("a, b.png") == "\"a, b.png\"");
    CHECK(csv_text("say \"hi\"") == "\"say \"\"hi\"\"\"");
    CHECK(csv_text("two\nlines") == "\"two\nlines\"");
    CHECK(csv_text(" padded") == "\" padded\"");
    CHECK(csv_text("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"");
    CHECK(csv_text("-1 fold") == "'-1 fold");
    CHECK(csv_text("") == "");
    CHECK(csv_number(0.5) == "0.5");
    CHECK(csv_number(0.123456789012) == "0.123456789");
    CHECK(csv_number(0.8123, 3) == "0.812");
    CHECK(csv_number(12) == "12");
    CHECK(csv_number(NAN) == "");
    CHECK(csv_number(INFINITY) == "");
    CHECK(csv_line({ "a", "", "\"b,c\"" }) == "a,,\"b,c\"\r\n");
}

TEST_CASE("csv_results: one row per image, one column per finding, read back") {
    results_doc doc;
    results_image a;
    a.file = "x, 1.png";
    a.modality = "cxr";
    a.findings.push_back({ "Effusion", "Effusion", 0.1, 0.2, 0.25, true, "package" });
    a.findings.push_back({ "Mass", "Mass", 0.1, 0.2, 0.0625, true, "package" });
    a.findings.back().no_signal = true;
    a.findings.push_back({ "Hernia", "Hernia", 0.1, 0.2, 0.5, true, "package" });
    a.findings.back().no_signal = true;
    results_image b;
    b.file = "broken.png";
    b.modality = "cxr";
    b.error = results_error{ "decode", "broken.png: not a PNG, JPEG or BMP" };
    results_image c;
    c.file = "brain.jpg";
    c.modality = "mri";
    c.findings.push_back({ "glioma", "Glioma", 0.1, 0.2, 0.75, true, "package" });
    results_image d;  // rejected by the modality gate: its message, no probabilities
    d.file = "holiday.jpg";
    d.modality = "cxr";
    d.detection = results_detection{};
    d.detection->verdict = "rejected";
    d.detection->reason  = "other";
    d.detection->message = "holiday.jpg: not a chest X-ray or brain MRI (P(other) 0.98)";
    results_image e = c;  // passed the gate: empty cell
    e.file = "brain2.jpg";
    e.detection = results_detection{};
    e.detection->verdict = "pass";
    doc.images = { a, b, c, d, e };
    const std::string text = csv_results(doc);
    CHECK(text.compare(0, 3, CSV_BOM) == 0);
    CHECK(text.find("\r\n") != std::string::npos);
    csv_table t;
    std::string err;
    REQUIRE(csv_parse(text, "results.csv", &t, &err));
    CHECK(t.sep == ',');
    CHECK(t.header == std::vector<std::string>({ "file", "modality", "error", "rejected", "no_signal", "Effusion", "Mass", "Hernia", "glioma" }));
    REQUIRE(t.rows.size() == 5);
    // no_signal findings: named in their column, no probability in theirs.
    CHECK(t.rows[0] == std::vector<std::string>({ "x, 1.png", "cxr", "", "", "Mass Hernia", "0.25", "", "", "" }));
    CHECK(t.rows[1] == std::vector<std::string>({ "broken.png", "cxr", "broken.png: not a PNG, JPEG or BMP", "", "", "", "", "", "" }));
    CHECK(t.rows[2] == std::vector<std::string>({ "brain.jpg", "mri", "", "", "", "", "", "", "0.75" }));
    CHECK(t.rows[3] == std::vector<std::string>({ "holiday.jpg", "cxr", "", "holiday.jpg: not a chest X-ray or brain MRI (P(other) 0.98)", "", "", "", "", "" }));
    CHECK(t.rows[4] == std::vector<std::string>({ "brain2.jpg", "mri", "", "", "", "", "", "", "0.75" }));
}
