#include <catch2/catch.hpp>

#include "labels_csv.h"

#include <string>

TEST_CASE("labels CSV, multi-label (nih1000 shape)") {
    const std::string text =
        "path,patient_id,fold,Atelectasis,Cardiomegaly,Effusion\n"
        "images/00000001_000.png,1,1,0,1,0\r\n"
        "\"images/with, comma.png\",2,2,1,0,1\n";
    labels_set s;
    std::string err;
    REQUIRE(labels_csv_parse(text, "labels.csv", &s, &err));
    CHECK_FALSE(s.single_label);
    CHECK(s.findings == std::vector<std::string>({ "Atelectasis", "Cardiomegaly", "Effusion" }));
    REQUIRE(s.rows.size() == 2);
    CHECK(s.rows[0].path == "images/00000001_000.png");
    CHECK(s.rows[0].patient_id == "1");
    CHECK(s.rows[0].fold == 1);
    CHECK(s.rows[0].positives == std::vector<uint8_t>({ 0, 1, 0 }));
    CHECK(s.rows[1].path == "images/with, comma.png");
    CHECK(s.rows[1].positives == std::vector<uint8_t>({ 1, 0, 1 }));
    CHECK(labels_find(s, "Effusion") == 2);
    CHECK(labels_find(s, "Hernia") == -1);
}

TEST_CASE("labels CSV, single-label (brain_mri shape)") {
    const std::string text = "\xEF\xBB\xBFpath,label\nimages/glioma/a.jpg,glioma\nimages/notumor/b.jpg,notumor\nimages/glioma/c.jpg,glioma";
    labels_set s;
    std::string err;
    REQUIRE(labels_csv_parse(text, "labels.csv", &s, &err));
    CHECK(s.single_label);
    CHECK(s.findings == std::vector<std::string>({ "glioma", "notumor" }));
    REQUIRE(s.rows.size() == 3);
    CHECK(s.rows[1].label == "notumor");
    CHECK(s.rows[1].positives == std::vector<uint8_t>({ 0, 1 }));
    CHECK(s.rows[2].positives == std::vector<uint8_t>({ 1, 0 }));
    CHECK(s.rows[0].fold == -1);
    CHECK(s.rows[0].patient_id.empty());
}

TEST_CASE("labels CSV errors name the file, line and column") {
    labels_set s;
    std::string err;
    CHECK_FALSE(labels_csv_parse("file,label\na.png,x\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: no 'path' column");
    CHECK_FALSE(labels_csv_parse("path,Effusion,Mass\na.png,0,1\nb.png,2,0\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 3, column 'Effusion': expected 0 or 1, found '2'");
    CHECK_FALSE(labels_csv_parse("path,Effusion,Mass\na.png,0,1\nb.png,0\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 3: 2 fields, the header has 3");
    CHECK_FALSE(labels_csv_parse("path,Effusion\na.png, 1\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 2, column 'Effusion': expected 0 or 1, found ' 1'");
    CHECK_FALSE(labels_csv_parse("path,fold,Effusion\na.png,x,1\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 2, column 'fold': expected a non-negative integer, found 'x'");
    CHECK_FALSE(labels_csv_parse("path,label\n\"a.png,glioma\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 2: unterminated quoted field");
    CHECK_FALSE(labels_csv_parse("path,label\n\"a\"x.png,glioma\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 2: unexpected character after a quoted field");
    CHECK_FALSE(labels_csv_parse("path,path\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: column 'path' appears twice");
    CHECK_FALSE(labels_csv_parse("path,patient_id\na.png,1\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: no 'label' column and no 0/1 finding columns");
    CHECK_FALSE(labels_csv_parse("", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: empty file (no header line)");
    CHECK_FALSE(labels_csv_read("no/such/labels.csv", &s, &err));
    CHECK(err.rfind("no/such/labels.csv: cannot open", 0) == 0);
}

TEST_CASE("quoted fields with quotes and newlines keep line numbers right") {
    csv_table t;
    std::string err;
    REQUIRE(csv_parse("a,b\n\"x \"\"q\"\"\",\"two\nlines\"\n3,4\n", "t.csv", &t, &err));
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0][0] == "x \"q\"");
    CHECK(t.rows[0][1] == "two\nlines");
    CHECK(t.lines[0] == 2);
    CHECK(t.lines[1] == 4);
}

TEST_CASE("the project's label files read") {
    const std::string root = std::string(RADZ_SOURCE_DIR) + "/../shared/data/";
    labels_set s;
    std::string err;
    if (!labels_csv_read(root + "nih1000/labels.csv", &s, &err)) {
        WARN("data not at hand, skipped: " << err);
        return;
    }
    CHECK(s.rows.size() == 1000);
    CHECK(s.findings.size() == 14);
    int effusion = 0;
    const int32_t e = labels_find(s, "Effusion");
    REQUIRE(e >= 0);
    for (const labels_row & r : s.rows) effusion += r.positives[(size_t) e];
    CHECK(effusion == 170);
    REQUIRE(labels_csv_read(root + "brain_mri/labels.csv", &s, &err));
    CHECK(s.single_label);
    CHECK(s.rows.size() == 5708);
    CHECK(s.findings.size() == 4);
}
