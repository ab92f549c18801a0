#include <catch2/catch.hpp>

#include "labels_csv.h"

#include <set>
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
    CHECK(s.rows[0].values == std::vector<int8_t>({ 0, 1, 0 }));
    CHECK(s.rows[1].path == "images/with, comma.png");
    CHECK(s.rows[1].values == std::vector<int8_t>({ 1, 0, 1 }));
    CHECK(s.rows[1].line == 3);
    CHECK(s.format == LABELS_FORMAT_COLUMNS);
    CHECK(s.patient_source == "patient_id");
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
    CHECK(s.rows[1].values == std::vector<int8_t>({ 0, 1 }));
    CHECK(s.rows[2].values == std::vector<int8_t>({ 1, 0 }));
    CHECK(s.format == LABELS_FORMAT_SINGLE_LABEL);
    CHECK(s.rows[0].fold == -1);
    CHECK(s.rows[0].patient_id.empty());
}

TEST_CASE("labels CSV errors name the file, line and column") {
    labels_set s;
    std::string err;
    CHECK_FALSE(labels_csv_parse("file,label\na.png,x\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: no 'path' column");
    CHECK_FALSE(labels_csv_parse("path,Effusion,Mass\na.png,0,1\nb.png,2,0\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 3, column 'Effusion': expected 1, 0, -1 or blank, found '2'");
    CHECK_FALSE(labels_csv_parse("path,Effusion,Mass\na.png,0,1\nb.png,0\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 3: 2 fields, the header has 3 (comma-separated)");
    CHECK_FALSE(labels_csv_parse("path,Effusion\na.png, 1\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 2, column 'Effusion': expected 1, 0, -1 or blank, found ' 1'");
    // a quoted field holding line breaks: the message stays one line (labels_csv fuzz target)
    CHECK_FALSE(labels_csv_parse("path,Effusion\na.png,\"1\r\nb.png,0\"\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 2, column 'Effusion': expected 1, 0, -1 or blank, found '1\\r\\nb.png,0'");
    CHECK_FALSE(labels_csv_parse("path,fold,Effusion\na.png,x,1\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 2, column 'fold': expected a non-negative integer, found 'x'");
    CHECK_FALSE(labels_csv_parse("path,label\n\"a.png,glioma\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 2, column 1: unterminated quoted field");
    CHECK_FALSE(labels_csv_parse("path,label\n\"a\"x.png,glioma\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: line 2, column 1: unexpected character after a quoted field");
    CHECK_FALSE(labels_csv_parse("path,path\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: column 'path' appears twice");
    CHECK_FALSE(labels_csv_parse("path,patient_id\na.png,1\n", "labels.csv", &s, &err));
    CHECK(err == "labels.csv: no 'label' column and no finding columns (1, 0, -1 or blank)");
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
    for (const labels_row & r : s.rows) effusion += r.values[(size_t) e] == LABELS_POSITIVE;
    CHECK(effusion == 170);
    REQUIRE(labels_csv_read(root + "brain_mri/labels.csv", &s, &err));
    CHECK(s.single_label);
    CHECK(s.rows.size() == 5708);
    CHECK(s.findings.size() == 4);
}

TEST_CASE("line ends: CRLF, CR, LF and mixed read alike; blank and empty rows are skipped") {
    const std::string lf = "path,Effusion,Mass\na.png,0,1\nb.png,1,0\n";
    labels_set ref, s;
    std::string err;
    REQUIRE(labels_csv_parse(lf, "lf.csv", &ref, &err));
    for (const std::string & text : {
             std::string("path,Effusion,Mass\r\na.png,0,1\r\nb.png,1,0\r\n"),
             std::string("path,Effusion,Mass\ra.png,0,1\rb.png,1,0\r"),
             std::string("\xEF\xBB\xBFpath,Effusion,Mass\r\na.png,0,1\nb.png,1,0"),
             std::string("path,Effusion,Mass\r\n\r\na.png,0,1\r\n,,\r\nb.png,1,0\r\n\r\n\r\n"),
             std::string("path,Effusion,Mass\r\r\na.png,0,1\r\r\nb.png,1,0\r\r\n"),  // unix2dos run twice
         }) {
        REQUIRE(labels_csv_parse(text, "x.csv", &s, &err));
        REQUIRE(s.rows.size() == 2);
        CHECK(s.findings == ref.findings);
        CHECK(s.rows[0].path == "a.png");
        CHECK(s.rows[1].values == ref.rows[1].values);
    }
    // line numbers count CR, LF and CRLF once each, inside quoted fields too
    csv_table t;
    REQUIRE(csv_parse("a,b\r\n\"x\r\ny\",\"p\rq\"\r\n3,4\r\n", "t.csv", &t, &err));
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0][0] == "x\r\ny");
    CHECK(t.rows[0][1] == "p\rq");
    CHECK(t.lines[1] == 5);
    CHECK_FALSE(labels_csv_parse("path,Effusion\r\na.png,1\r\nb.png\r\n", "crlf.csv", &s, &err));
    CHECK(err == "crlf.csv: line 3: 1 field, the header has 2 (comma-separated)");
}

TEST_CASE("separators: ';' and tab detected from the header, or given") {
    labels_set s;
    std::string err;
    REQUIRE(labels_csv_parse("path;patient_id;Effusion;Mass\r\n\"a;1.png\";7;1;0\r\n", "semi.csv", &s, &err));
    CHECK(s.sep == ';');
    CHECK(s.rows[0].path == "a;1.png");
    CHECK(s.rows[0].patient_id == "7");
    CHECK(s.rows[0].values == std::vector<int8_t>({ 1, 0 }));
    REQUIRE(labels_csv_parse("path\tEffusion\tMass\nb, c.png\t0\t1\n", "tab.csv", &s, &err));
    CHECK(s.sep == '\t');
    CHECK(s.rows[0].path == "b, c.png");
    // Given: a ';' file read as ',' has one column and no finding
    CHECK_FALSE(labels_csv_parse("path;Effusion\na.png;1\n", "semi.csv", &s, &err, ','));
    CHECK(err == "semi.csv: no 'path' column");
    REQUIRE(labels_csv_parse("path;Effusion\na.png;1\n", "semi.csv", &s, &err, ';'));
    csv_table t;
    CHECK_FALSE(csv_parse("a|b\n", "t.csv", &t, &err, '|'));
    CHECK(err == "t.csv: the separator must be ',', ';' or a tab");
    // a quoted header field with commas does not count towards detection
    REQUIRE(csv_parse("\"x,y,z\";b\n1;2\n", "t.csv", &t, &err));
    CHECK(t.sep == ';');
    CHECK(t.header == std::vector<std::string>({ "x,y,z", "b" }));
    CHECK_FALSE(csv_parse("a;b\n1;\"2\"x\n", "t.csv", &t, &err));
    CHECK(err == "t.csv: line 2, column 2: unexpected character after a quoted field");
    CHECK_FALSE(csv_parse("a;b\n1;2\"\n", "t.csv", &t, &err));
    CHECK(err == "t.csv: line 2, column 2: '\"' inside an unquoted field");
}

TEST_CASE("CheXpert-style files: 1/0/-1/blank, metadata columns, patient from the path") {
    const std::string text =
        "Path,Sex,Age,Frontal/Lateral,AP/PA,No Finding,Cardiomegaly,Pleural Effusion,Lung Opacity\n"
        "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg,Female,68,Frontal,AP,1.0,,0.0,\n"
        "CheXpert-v1.0-small/train/patient00002/study2/view1_frontal.jpg,Female,87,Frontal,AP,,-1.0,1.0,1.0\n"
        "CheXpert-v1.0-small/train/patient00002/study1/view2_lateral.jpg,Female,83,Lateral,,,1,-1,0\n";
    labels_set s;
    std::string err;
    REQUIRE(labels_csv_parse(text, "train.csv", &s, &err));
    CHECK(s.format == LABELS_FORMAT_COLUMNS);
    CHECK(s.findings == std::vector<std::string>({ "No Finding", "Cardiomegaly", "Pleural Effusion", "Lung Opacity" }));
    CHECK(s.ignored_columns == std::vector<std::string>({ "Sex", "Age", "Frontal/Lateral", "AP/PA" }));
    CHECK(s.patient_source == "Path (patientNNNNN folder)");
    CHECK(s.rows[1].patient_id == "patient00002");
    CHECK(s.rows[0].values == std::vector<int8_t>({ LABELS_POSITIVE, LABELS_BLANK, LABELS_NEGATIVE, LABELS_BLANK }));
    CHECK(s.rows[1].values == std::vector<int8_t>({ LABELS_BLANK, LABELS_UNCERTAIN, LABELS_POSITIVE, LABELS_POSITIVE }));
    const labels_counts c = labels_count(s, 1);
    CHECK(c.positive == 1);
    CHECK(c.uncertain == 1);
    CHECK(c.blank == 1);
    CHECK(c.negative == 0);
    // MIMIC-CXR-JPG: subject_id is the patient; its per-study file needs a path column
    REQUIRE(labels_csv_parse("subject_id,study_id,path,Edema\n10000032,50414267,files/p10/a.jpg,-1.0\n", "m.csv", &s, &err));
    CHECK(s.patient_source == "subject_id");
    CHECK(s.rows[0].patient_id == "10000032");
    CHECK(s.findings == std::vector<std::string>({ "Edema" }));
    CHECK_FALSE(labels_csv_parse("subject_id,study_id,Edema\n10000032,50414267,-1.0\n", "mimic.csv", &s, &err));
    CHECK(err.rfind("mimic.csv: no 'path' column (MIMIC-CXR labels are per study", 0) == 0);
    // without a patient folder in every path, images are their own group
    REQUIRE(labels_csv_parse("Path,Edema\nimages/a.png,1\ntrain/patient00003/b.png,0\n", "p.csv", &s, &err));
    CHECK(s.patient_source.empty());
    CHECK(s.rows[1].patient_id.empty());
}

TEST_CASE("uncertain and blank policies") {
    const labels_policy I = LABELS_POLICY_IGNORE, P = LABELS_POLICY_POSITIVE, N = LABELS_POLICY_NEGATIVE;
    CHECK(labels_resolve(LABELS_POSITIVE, N, N) == 1);
    CHECK(labels_resolve(LABELS_NEGATIVE, P, P) == 0);
    CHECK(labels_resolve(LABELS_UNCERTAIN, I, P) == -1);
    CHECK(labels_resolve(LABELS_UNCERTAIN, P, I) == 1);
    CHECK(labels_resolve(LABELS_UNCERTAIN, N, P) == 0);
    CHECK(labels_resolve(LABELS_BLANK, P, I) == -1);
    CHECK(labels_resolve(LABELS_BLANK, I, P) == 1);
    CHECK(labels_resolve(LABELS_BLANK, I, N) == 0);
    labels_policy p = I;
    CHECK(labels_policy_parse("negative", &p));
    CHECK(p == N);
    CHECK(std::string(labels_policy_name(p)) == "negative");
    CHECK_FALSE(labels_policy_parse("zero", &p));
}

TEST_CASE("ChestX-ray14 Data_Entry_2017.csv") {
    // The 2017 file's header and its trailing ',' on every line
    const std::string text =
        "Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,"
        "OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],\n"
        "00000001_000.png,Cardiomegaly,0,1,58,M,PA,2682,2749,0.143,0.143,\n"
        "00000001_001.png,Cardiomegaly|Emphysema,1,1,58,M,PA,2894,2729,0.143,0.143,\n"
        "00000002_000.png,No Finding,0,2,81,M,PA,2500,2048,0.171,0.171,\n"
        "00000003_000.png,Hernia|Rib Fracture,0,3,81,F,PA,2582,2991,0.143,0.143,\n";
    labels_set s;
    std::string err;
    REQUIRE(labels_csv_parse(text, "Data_Entry_2017.csv", &s, &err));
    CHECK(s.format == LABELS_FORMAT_CHESTXRAY14);
    CHECK(s.patient_source == "Patient ID");
    REQUIRE(s.findings.size() == 15);
    CHECK(s.findings[12] == "Pleural_Thickening");
    CHECK(s.findings[14] == "Rib Fracture");  // not a ChestX-ray14 label: kept, for the mapping to show
    REQUIRE(s.rows.size() == 4);
    CHECK(s.rows[1].path == "00000001_001.png");
    CHECK(s.rows[1].patient_id == "1");
    CHECK(s.rows[1].values[(size_t) labels_find(s, "Cardiomegaly")] == LABELS_POSITIVE);
    CHECK(s.rows[1].values[(size_t) labels_find(s, "Emphysema")] == LABELS_POSITIVE);
    CHECK(s.rows[1].values[(size_t) labels_find(s, "Effusion")] == LABELS_NEGATIVE);
    CHECK(s.rows[2].values == std::vector<int8_t>(15, LABELS_NEGATIVE));
    CHECK(s.rows[3].values[14] == LABELS_POSITIVE);
    CHECK(s.rows[0].values[14] == LABELS_NEGATIVE);
    const std::string head = "Image Index,Finding Labels,Patient ID\n";
    CHECK_FALSE(labels_csv_parse(head + "a.png,No Finding|Mass,1\n", "d.csv", &s, &err));
    CHECK(err == "d.csv: line 2, column 'Finding Labels': 'No Finding' together with findings in 'No Finding|Mass'");
    CHECK_FALSE(labels_csv_parse(head + "a.png,Mass||Nodule,1\n", "d.csv", &s, &err));
    CHECK(err == "d.csv: line 2, column 'Finding Labels': expected findings separated by '|' or 'No Finding', found 'Mass||Nodule'");
    CHECK_FALSE(labels_csv_parse(head + "a.png,,1\n", "d.csv", &s, &err));
    CHECK_FALSE(labels_csv_parse(head + ",Mass,1\n", "d.csv", &s, &err));
    CHECK(err == "d.csv: line 2, column 'Image Index': empty image name");
}

TEST_CASE("finding names: exact, same name, synonyms, user maps; nothing matched twice") {
    labels_set s;
    std::string err;
    REQUIRE(labels_csv_parse("Path,Pleural Effusion,Effusion,pleural thickening,Lung Opacity,No Finding\n"
                             "a.png,1,0,0,1,\n", "x.csv", &s, &err));
    const std::vector<std::string> ids = { "Effusion", "Pleural_Thickening", "Mass", "No_Finding", "Nodule" };
    labels_mapping m;
    REQUIRE(labels_map(s, ids, {}, &m, &err));
    CHECK(m.column == std::vector<int32_t>({ 1, 2, -1, 4, -1 }));
    CHECK(m.how == std::vector<labels_match>({ LABELS_MATCH_EXACT, LABELS_MATCH_NAME, LABELS_MATCH_NONE, LABELS_MATCH_NAME,
                                               LABELS_MATCH_NONE }));
    CHECK(m.unused == std::vector<int32_t>({ 0, 3 }));  // 'Pleural Effusion' stays unused: 'Effusion' is exact
    labels_user_map u;
    REQUIRE(labels_user_map_parse("Lung Opacity=Nodule", &u, &err));
    CHECK(u.column == "Lung Opacity");
    CHECK(u.id == "Nodule");
    REQUIRE(labels_map(s, ids, { u }, &m, &err));
    CHECK(m.column[4] == 3);
    CHECK(m.how[4] == LABELS_MATCH_USER);
    CHECK(m.unused == std::vector<int32_t>({ 0 }));
    REQUIRE(labels_csv_parse("Path,Pleural Effusion\na.png,1\n", "x.csv", &s, &err));
    REQUIRE(labels_map(s, ids, {}, &m, &err));
    CHECK(m.column[0] == 0);
    CHECK(m.how[0] == LABELS_MATCH_SYNONYM);
    CHECK_FALSE(labels_map(s, ids, { { "Opacity", "Mass" } }, &m, &err));
    CHECK(err == "--map Opacity=Mass: x.csv has no finding column or class 'Opacity'");
    CHECK_FALSE(labels_map(s, ids, { { "Pleural Effusion", "Fracture" } }, &m, &err));
    CHECK(err == "--map Pleural Effusion=Fracture: no finding 'Fracture' in the anchor table");
    CHECK_FALSE(labels_user_map_parse("Opacity", &u, &err));
    CHECK(err == "expected COLUMN=ID, found 'Opacity'");
    CHECK_FALSE(labels_user_map_parse("=Mass", &u, &err));
    // classes of single-label sets map the same way
    REQUIRE(labels_csv_parse("path,label\na.jpg,glioma_tumor\nb.jpg,no_tumor\n", "mri.csv", &s, &err));
    REQUIRE(labels_map(s, { "glioma", "notumor", "pituitary" }, {}, &m, &err));
    CHECK(m.column == std::vector<int32_t>({ 0, 1, -1 }));
    CHECK(m.how[0] == LABELS_MATCH_SYNONYM);
    CHECK(labels_name_key("  Pleural__Thickening- ") == "pleural thickening");
    // every synonym names a distinct (id, name) and no name is also another id's synonym
    for (size_t i = 0; i < labels_synonyms().size(); i++) {
        for (size_t j = i + 1; j < labels_synonyms().size(); j++) {
            CHECK(labels_name_key(labels_synonyms()[i].name) != labels_name_key(labels_synonyms()[j].name));
        }
    }
}

TEST_CASE("split lists like test_list.txt") {
    std::set<std::string> names;
    std::string err;
    REQUIRE(labels_split_list_parse("00000003_000.png\r\n00000013_005.png\r\n\r\n", "test_list.txt", &names, &err));
    CHECK(names.size() == 2);
    CHECK(labels_split_list_has(names, "00000003_000.png"));
    CHECK(labels_split_list_has(names, "images/00000013_005.png"));
    CHECK_FALSE(labels_split_list_has(names, "images/00000001_000.png"));
    CHECK_FALSE(labels_split_list_parse("\n\n", "empty.txt", &names, &err));
    CHECK(err == "empty.txt: no image names (expected one per line, like test_list.txt)");
    CHECK_FALSE(labels_split_list_read("no/such/list.txt", &names, &err));
}
