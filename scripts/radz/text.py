"""The recipe's text: modalities, findings, knowledge descriptions, report generation, leak checks.

Everything here is the project's own wording. Two rules keep held-out findings out of training text:

1. A description of finding F names only F: no description contains a leak term (below) of any
   other finding (tests/test_text_leaks.py checks every pair), so the descriptions of the seen
   findings never mention a held-out one, whichever are held out.
2. `make_report` never mentions a finding in `exclude`, in any form, not even negated: each
   sentence it can write belongs to one finding (or to none, e.g. "Frontal chest radiograph.")
   and is only used when that finding is not excluded.

`check_no_leak` is the safety net: it flags any text that mentions a held-out finding by name,
in any case, with `_`, `-` or spaces between words, singular or plural, or as an adjective
(`leak_terms`). Matching is word-bounded, with `_` counted as a separator: "massive" is not
Mass, but "mass effect" is (training text never says it; brain reports use "midline shift").
"""
from __future__ import annotations

import random
import re

MODALITIES = [
    {"id": "cxr", "display": "Chest X-ray", "task": "multilabel"},
    {"id": "mri", "display": "Brain MRI", "task": "multiclass"},
]

DKAM_TEMPLATE = "Instruction: recognise this finding on a {modality}. Finding: {name}. Description: {description}"

FINDINGS = [
    {"id": "Atelectasis", "display": "Atelectasis", "modality": "cxr", "kind": "finding"},
    {"id": "Cardiomegaly", "display": "Cardiomegaly", "modality": "cxr", "kind": "finding"},
    {"id": "Effusion", "display": "Effusion", "modality": "cxr", "kind": "finding"},
    {"id": "Infiltration", "display": "Infiltration", "modality": "cxr", "kind": "finding"},
    {"id": "Mass", "display": "Mass", "modality": "cxr", "kind": "finding"},
    {"id": "Nodule", "display": "Nodule", "modality": "cxr", "kind": "finding"},
    {"id": "Pneumonia", "display": "Pneumonia", "modality": "cxr", "kind": "finding"},
    {"id": "Pneumothorax", "display": "Pneumothorax", "modality": "cxr", "kind": "finding"},
    {"id": "Consolidation", "display": "Consolidation", "modality": "cxr", "kind": "finding"},
    {"id": "Edema", "display": "Edema", "modality": "cxr", "kind": "finding"},
    {"id": "Emphysema", "display": "Emphysema", "modality": "cxr", "kind": "finding"},
    {"id": "Fibrosis", "display": "Fibrosis", "modality": "cxr", "kind": "finding"},
    {"id": "Pleural_Thickening", "display": "Pleural thickening", "modality": "cxr", "kind": "finding"},
    {"id": "Hernia", "display": "Hernia", "modality": "cxr", "kind": "finding"},
    {"id": "No_Finding", "display": "No finding", "modality": "cxr", "kind": "normal"},
    {"id": "glioma", "display": "Glioma", "modality": "mri", "kind": "finding"},
    {"id": "meningioma", "display": "Meningioma", "modality": "mri", "kind": "finding"},
    {"id": "pituitary", "display": "Pituitary tumour", "modality": "mri", "kind": "finding"},
    {"id": "notumor", "display": "No tumour", "modality": "mri", "kind": "normal"},
]

# Knowledge descriptions: appearance, typical location, signs. At most 60 words each, and each
# names only its own finding (see the module docstring).
DESCRIPTIONS = {
    "Atelectasis": [
        "Partial or complete collapse of lung tissue, seen as increased density with loss of volume; "
        "the affected lobe or segment shrinks and pulls neighbouring structures toward it.",
        "Linear or plate-like bands of opacity, often horizontal at the lung bases, from small airless "
        "areas of lung after shallow breathing, pain or surgery.",
        "Signs of volume loss: a fissure displaced toward the opacity, an elevated hemidiaphragm, crowded "
        "vessels and a shift of the trachea or mediastinum toward the same side.",
        "Lobar collapse has typical shapes, such as a triangular opacity behind the heart in left lower "
        "lobe collapse, or a dense wedge at the apex with an elevated horizontal fissure in right upper lobe collapse.",
        "Airless lung with compensatory overinflation of the remaining lobes; air bronchograms are usually "
        "absent when a central airway is blocked.",
    ],
    "Cardiomegaly": [
        "Enlarged cardiac silhouette on a frontal chest radiograph, with a cardiothoracic ratio above 0.5 "
        "on a posteroanterior film.",
        "The widest transverse diameter of the heart is more than half of the widest internal diameter "
        "of the thorax.",
        "The heart shadow is broadened, with its left border and apex displaced outward and downward "
        "toward the lateral chest wall.",
        "Heart size is judged best on an upright posteroanterior film; anteroposterior and supine views "
        "magnify the heart and can exaggerate its size.",
        "Enlarged chambers change the cardiac outline: a double right heart border or a bulging left "
        "atrial appendage with left atrial enlargement, an upturned apex with right ventricular enlargement.",
    ],
    "Effusion": [
        "Fluid in the pleural space; on an upright frontal film the earliest sign is blunting of the "
        "costophrenic angle.",
        "Dependent homogeneous opacity at the lung base with a concave upper edge that rises along the "
        "lateral chest wall, the meniscus sign.",
        "On a supine film the fluid layers posteriorly, giving a hazy veil-like density over the lower "
        "hemithorax through which vessels remain visible.",
        "A large collection whitens much of the hemithorax and pushes the mediastinum and trachea away "
        "toward the opposite side.",
        "Small amounts collect first in the posterior costophrenic recess on a lateral view; fluid may "
        "also track into a fissure or lie beneath the lung and mimic a raised hemidiaphragm.",
    ],
    "Infiltration": [
        "Ill-defined patchy opacity in the lung, with hazy margins that fade gradually into the "
        "surrounding normal lung.",
        "Increased interstitial or airspace density, often bilateral or multifocal, without a sharp "
        "rounded outline; vessels within it are partly obscured.",
        "A broad radiographic term for abnormal material such as fluid, cells or inflammatory exudate "
        "in the lung, seen as poorly marginated whitening of one or more lung zones.",
        "Streaky, reticular or confluent shadowing, commonly in the lower or perihilar zones, that may "
        "change between follow-up radiographs.",
    ],
    "Mass": [
        "A focal rounded or lobulated opacity larger than 3 cm in diameter within the lung.",
        "A solitary dense lesion with well-defined, lobulated or spiculated margins; spiculated or "
        "irregular edges raise concern for malignancy.",
        "May lie in the lung, at the hilum or in the mediastinum; a hilar mass enlarges the hilar "
        "shadow and makes it denser.",
        "Can cavitate, with an air-filled centre and a thick irregular wall, or block an airway and "
        "cause collapse of the lung beyond it.",
    ],
    "Nodule": [
        "A small rounded or oval opacity up to 3 cm in diameter, surrounded by aerated lung.",
        "A well-circumscribed focal spot of increased density, single or multiple, which may be solid, "
        "part-solid or ground-glass.",
        "Calcification within the lesion, especially central, laminated or popcorn patterns, suggests a "
        "benign granuloma or hamartoma.",
        "Multiple small round opacities of varied size scattered through both lungs, mostly peripheral "
        "and basal, can represent metastases.",
    ],
    "Pneumonia": [
        "Infection of the lung seen as airspace opacity, lobar or segmental, often with air bronchograms: "
        "branching dark airways outlined by the filled alveoli around them.",
        "Patchy or confluent opacity that obscures the adjacent heart border or diaphragm; this "
        "silhouette sign places it in a particular lobe.",
        "Bronchopneumonia gives multifocal patchy opacities centred on the airways, often bilateral and "
        "at the lung bases.",
        "An opacity that appears within days in a patient with fever and cough and clears on follow-up "
        "films after treatment; some organisms cause cavities.",
    ],
    "Pneumothorax": [
        "Air in the pleural space: a thin white visceral pleural line separated from the chest wall, "
        "with no lung markings beyond it.",
        "On an upright film the air collects at the apex; the lung edge is a fine line parallel to the "
        "chest wall with a dark, markings-free space outside it.",
        "On a supine film the air rises to the front and base of the chest: an abnormally deep, sharp, "
        "lucent costophrenic angle, the deep sulcus sign.",
        "Under tension: a large lucent hemithorax with a collapsed lung, a flattened or inverted "
        "hemidiaphragm and the mediastinum pushed to the opposite side.",
    ],
    "Consolidation": [
        "Air in the alveoli replaced by fluid, pus, blood or cells, giving a homogeneous opacity that "
        "hides the vessels within it.",
        "Dense airspace opacity with air bronchograms: the open airways show as dark branching lines "
        "within the white lung.",
        "Often lobar or segmental with a sharp edge at a fissure and a silhouette sign where it touches "
        "the heart border or diaphragm; lung volume is preserved.",
        "Confluent opacity, patchy or extensive, on one or both sides, whatever its cause, such as "
        "infection, haemorrhage or aspiration.",
    ],
    "Edema": [
        "Fluid in the lung interstitium and airspaces; the interstitial stage shows Kerley B lines, "
        "short horizontal lines at the lung periphery near the costophrenic angles.",
        "Bilateral perihilar airspace opacities in a bat-wing or butterfly pattern that spare the outer "
        "third of the lungs.",
        "Upper lobe blood diversion, peribronchial cuffing and indistinct hilar vessels, typically from "
        "raised pulmonary venous pressure in heart failure.",
        "Thickened fissures and hazy, symmetrical opacification of both lungs that can change quickly "
        "with treatment such as diuretics.",
    ],
    "Emphysema": [
        "Hyperinflated lungs: flattened hemidiaphragms, more than six anterior ribs visible above the "
        "diaphragm and a widened retrosternal air space on the lateral view.",
        "Permanent enlargement of the air spaces with destruction of alveolar walls, seen as increased "
        "lucency with sparse, thinned vascular markings.",
        "Bullae: thin-walled air spaces larger than 1 cm, most often at the apices, displacing the "
        "adjacent lung.",
        "A narrow vertical heart and a barrel-shaped chest with widened intercostal spaces in long-standing "
        "chronic obstructive lung disease.",
    ],
    "Fibrosis": [
        "Scarring of the lung interstitium with coarse reticular lines, typically peripheral and basal.",
        "Honeycombing in advanced disease: clustered small cystic spaces with thick walls at the lung "
        "periphery and bases.",
        "Reduced lung volumes with traction bronchiectasis, where scar tissue pulls the airways open "
        "into dilated, irregular tubes.",
        "Upper zone scarring with elevated hila and distorted lung architecture, as after tuberculosis "
        "or in sarcoidosis.",
    ],
    "Pleural_Thickening": [
        "Smooth or irregular soft tissue density along the inner chest wall that thickens the pleural "
        "line and does not shift with position.",
        "Apical pleural cap: a curved band of density over the lung apex, common with age or after old "
        "infection.",
        "Plaques after asbestos exposure: discrete, often calcified areas of pleural thickening on the "
        "diaphragm and lateral chest wall, with a holly-leaf look when seen face-on.",
        "Diffuse pleural thickening blunts the costophrenic angle and encases the lung in a continuous "
        "rind, often after empyema or haemothorax.",
    ],
    "Hernia": [
        "Hiatal hernia: part of the stomach slides up through the oesophageal hiatus into the chest, seen "
        "as a rounded opacity behind the heart.",
        "A retrocardiac gas-containing structure, often with an air-fluid level, projected over or beside "
        "the spine on the frontal film.",
        "A round soft tissue density in the lower posterior mediastinum just above the diaphragm, which "
        "may hold a gas bubble or fluid level.",
        "On the lateral view it lies behind the heart and above the diaphragm; a large one can contain "
        "most of the stomach.",
    ],
    "No_Finding": [
        "A normal chest radiograph: clear lungs, normal mediastinal contours, sharp costophrenic angles "
        "and an intact bony thorax.",
        "Both lungs well expanded and clear, with normal vascular markings reaching the periphery and no "
        "focal opacity.",
        "Smooth, well-defined domes of the diaphragm, sharp costophrenic angles and a central trachea.",
        "Symmetrical lung fields with normal hila and mediastinum on a well-positioned frontal film.",
    ],
    "glioma": [
        "An intra-axial tumour arising within the brain substance, usually in the cerebral white matter, "
        "with poorly defined margins.",
        "High signal on T2 and FLAIR extending beyond the visible tumour into the surrounding white "
        "matter, compressing the adjacent sulci and ventricle.",
        "High-grade lesions are heterogeneous with irregular ring-like enhancement around a necrotic "
        "centre and may cross the corpus callosum.",
        "Low-grade lesions are more uniform, bright on T2 and dark on T1, expand the involved gyri and "
        "often show little or no contrast enhancement.",
        "A lesion centred in a cerebral hemisphere that shifts the midline and effaces the nearby "
        "ventricle, sometimes with haemorrhage.",
    ],
    "meningioma": [
        "An extra-axial tumour attached to the dura, well circumscribed, pressing on rather than invading "
        "the brain, with a cleft of CSF between it and the cortex.",
        "Strong homogeneous enhancement after contrast, often with a dural tail: thickened enhancing dura "
        "tapering away from the lesion.",
        "Broad-based against the skull, the falx or the skull base; the adjacent bone can be thickened "
        "and the lesion may contain calcification.",
        "Usually similar in signal to grey matter on T1 and T2, rounded or plaque-like, most often over "
        "the convexities, along the falx or at the sphenoid wing.",
    ],
    "pituitary": [
        "Pituitary adenoma: a lesion centred in the sella turcica that enlarges the pituitary fossa.",
        "A macroadenoma growing above the sella, with a waist at the diaphragma sellae giving a snowman "
        "or figure-of-eight shape; it may compress the optic chiasm.",
        "A microadenoma under 10 mm within the gland, enhancing less than the normal pituitary on early "
        "dynamic contrast images, sometimes deviating the stalk.",
        "A sellar and suprasellar soft tissue lesion on midline sagittal and coronal images, which may "
        "extend sideways into the cavernous sinus around the carotid artery.",
    ],
    "notumor": [
        "A normal brain: symmetrical cerebral hemispheres with no focal lesion and no abnormal signal in "
        "the grey or white matter.",
        "Ventricles and sulci of normal size and shape for age, with the midline structures central and "
        "not displaced.",
        "Normal grey-white matter differentiation and normal appearances of the basal ganglia, brainstem "
        "and cerebellum.",
        "Unremarkable skull base, orbits and posterior fossa, with no abnormal enhancement and no "
        "extra-axial collection.",
    ],
}

# ------------------------------------------------------------------------------- leak terms

_SEP = r"[\s_\-]*"   # between the words of a term: spaces, underscores, hyphens, or nothing
_W = r"[\s_\-]+"     # required separator

# Regex bodies per finding (case-insensitive; `_SEP` / `_W` between words). Names, their
# plurals and adjectives, and a few unambiguous synonyms.
_LEAK_BODIES = {
    "Atelectasis": [r"atelecta(?:sis|ses|tic)"],
    "Cardiomegaly": [r"cardiomegal(?:y|ies|ic)", r"enlarged" + _W + r"(?:heart|cardiac" + _W + r"silhouette)",
                     r"heart" + _W + r"(?:size|enlargement|is" + _W + r"(?:\w+" + _W + r")?enlarged)",
                     r"cardiac" + _W + r"enlargement", r"cardio" + _SEP + r"thoracic" + _W + r"ratio"],
    "Effusion": [r"effusions?", r"pleural" + _W + r"fluid", r"hydrothora(?:x|xes|ces)"],
    "Infiltration": [r"infiltra(?:tion|tions|te|tes|ted|tive|ting)"],
    "Mass": [r"mass(?:es)?"],
    "Nodule": [r"\w*nodul(?:e|es|ar|arity)"],
    "Pneumonia": [r"\w*pneumoni(?:a|as|ae|c|tis)"],
    "Pneumothorax": [r"\w*pneumo" + _SEP + r"thora(?:x|xes|ces|xs)"],
    "Consolidation": [r"consolidat(?:ion|ions|ed|ive|ing)"],
    "Edema": [r"o?edema(?:s|ta|tous)?"],
    "Emphysema": [r"emphysema(?:s|ta|tous)?"],
    "Fibrosis": [r"\w*fibros(?:is|es)", r"\w*fibrotic"],
    "Pleural_Thickening": [r"pleura(?:l)?" + _SEP + r"thicken(?:ing|ings|ed)", r"thickened" + _W + r"pleura",
                           r"thickening" + _W + r"of" + _W + r"(?:the" + _W + r")?pleura"],
    "Hernia": [r"hernia(?:s|e|l)?", r"herniat(?:ion|ions|ed|ing)"],
    "No_Finding": [r"no" + _SEP + r"findings?",
                   r"no" + _W + r"acute" + _W + r"(?:cardiopulmonary" + _W + r")?(?:abnormality|abnormalities|disease|process)",
                   r"normal" + _W + r"chest"],
    "glioma": [r"\w*glioma(?:s|ta)?", r"glioblastoma(?:s|ta)?", r"astrocytoma(?:s|ta)?"],
    "meningioma": [r"meningioma(?:s|ta)?"],
    "pituitary": [r"pituitar(?:y|ies)", r"(?:macro|micro)?adenoma(?:s|ta)?"],
    # "No tumour" is a negation of the word tumour: any no/without/free-of ... tumour in one sentence.
    "notumor": [r"no" + _SEP + r"tumou?rs?", r"tumou?r" + _SEP + r"free",
                r"(?:no|not|without|absence" + _W + r"of|free" + _W + r"of)" + _W + r"[^.;\n]{0,60}?tumou?rs?"],
}

_FINDING_IDS = [f["id"] for f in FINDINGS]


def leak_terms(finding_id: str) -> list[re.Pattern]:
    """Compiled patterns that match any mention of `finding_id` (case-insensitive, word-bounded)."""
    if finding_id not in _LEAK_BODIES:
        raise ValueError(f"leak_terms: finding id: expected one of {_FINDING_IDS}, found {finding_id!r}")
    # Word boundaries that count '_' as a separator: not preceded / followed by a letter or digit.
    return [re.compile(r"(?<![^\W_])(?:" + b + r")(?![^\W_])", re.IGNORECASE) for b in _LEAK_BODIES[finding_id]]


def find_leaks(text: str, held_out_ids) -> list[tuple[str, str]]:
    """(finding id, matched text) for every mention of a held-out finding in `text`."""
    out = []
    for fid in held_out_ids:
        for pat in leak_terms(fid):
            for m in pat.finditer(text):
                out.append((fid, m.group(0)))
    return out


def check_no_leak(texts, held_out_ids) -> list[str]:
    """Every text that mentions a held-out finding in any form (see `leak_terms`); [] when clean."""
    pats = [p for fid in held_out_ids for p in leak_terms(fid)]
    return [t for t in texts if any(p.search(t) for p in pats)]


def dkam_text(finding_id: str, description: str) -> str:
    """The DKAM template filled for one description of a package finding."""
    f = finding(finding_id)
    mod = next(m for m in MODALITIES if m["id"] == f["modality"])
    return DKAM_TEMPLATE.format(modality=mod["display"], name=f["display"], description=description)


def finding(finding_id: str) -> dict:
    for f in FINDINGS:
        if f["id"] == finding_id:
            return f
    raise ValueError(f"finding id: expected one of {_FINDING_IDS}, found {finding_id!r}")


# ------------------------------------------------------------------------------- reports
#
# Placeholders in the phrase lists: {side} left/right/bilateral..., {sev} a severity word,
# {zone} a lung zone, {lobe} a lobe. Every phrase belongs to the finding it is listed under.

_SIDES = ["left", "right", "left", "right", "bilateral"]
_SIDES_ONE = ["left", "right"]
_ZONES = ["upper zone", "mid zone", "lower zone", "base", "perihilar region", "apex"]
_LOBES = ["right upper lobe", "right middle lobe", "right lower lobe", "left upper lobe", "lingula", "left lower lobe"]
_SEV = ["small", "small", "moderate", "large"]
_MILD = ["mild", "mild", "moderate", "severe"]
_BRAIN_SIDE = ["left", "right"]
_BRAIN_LOBE = ["frontal lobe", "temporal lobe", "parietal lobe", "occipital lobe", "frontoparietal region",
               "temporoparietal region"]
_BRAIN_CONVEX = ["frontal convexity", "parietal convexity", "falx", "sphenoid wing", "tentorium",
                 "olfactory groove", "temporal convexity"]

_POSITIVE = {
    "Atelectasis": [
        "{Mild} atelectasis at the {side_one} base.",
        "Linear atelectasis in the {side_one} lower zone.",
        "Plate-like atelectasis at the {side} lung base.",
        "Subsegmental atelectasis in the {lobe}.",
        "{Side} basal atelectasis.",
        "Atelectatic change in the {lobe}.",
    ],
    "Cardiomegaly": [
        "Cardiomegaly.",
        "The heart is enlarged.",
        "{Mild} cardiomegaly.",
        "Enlarged cardiac silhouette.",
        "Cardiomegaly is again noted.",
        "Heart size is {mild}ly enlarged.",
    ],
    "Effusion": [
        "{Sev} {side_one} pleural effusion.",
        "{Sev} bilateral pleural effusions.",
        "Blunting of the {side_one} costophrenic angle from a {sev} effusion.",
        "{Side_one} pleural effusion.",
        "{Sev} {side_one} effusion with a meniscus.",
    ],
    "Infiltration": [
        "Patchy infiltrate in the {side_one} {zone}.",
        "{Side} infiltrates.",
        "Ill-defined infiltration in the {side_one} {zone}.",
        "Hazy infiltrative opacity at the {side_one} base.",
        "New {side_one} {zone} infiltrate.",
    ],
    "Mass": [
        "{Side_one} {zone} mass.",
        "A large mass in the {lobe}.",
        "Lobulated mass at the {side_one} hilum.",
        "Mass in the {lobe}, further imaging advised.",
    ],
    "Nodule": [
        "{Side_one} {zone} nodule.",
        "Small nodule in the {lobe}.",
        "Several small nodules in both lungs.",
        "A {side_one} pulmonary nodule, follow-up suggested.",
        "Nodular opacity in the {side_one} {zone}.",
    ],
    "Pneumonia": [
        "{Lobe_cap} pneumonia.",
        "Findings in keeping with pneumonia in the {side_one} {zone}.",
        "{Side} pneumonia.",
        "Patchy opacity in the {lobe} likely pneumonia.",
        "Appearances suggest {side_one} basal pneumonia.",
    ],
    "Pneumothorax": [
        "{Sev} {side_one} pneumothorax.",
        "{Side_one} apical pneumothorax.",
        "A {sev} {side_one} pneumothorax is present.",
        "{Side_one} pneumothorax with a visible pleural edge.",
    ],
    "Consolidation": [
        "Consolidation in the {lobe}.",
        "{Side_one} {zone} consolidation.",
        "Dense consolidation with air bronchograms in the {lobe}.",
        "Patchy {side} consolidation.",
        "{Lobe_cap} consolidation.",
    ],
    "Edema": [
        "{Mild} pulmonary edema.",
        "Interstitial edema with Kerley B lines.",
        "{Mild} pulmonary oedema.",
        "Perihilar edema.",
        "Features of pulmonary edema.",
    ],
    "Emphysema": [
        "Emphysema.",
        "Hyperinflated lungs consistent with emphysema.",
        "Emphysematous change in the upper zones.",
        "{Mild} emphysema.",
        "Bullous emphysema at the {side_one} apex.",
    ],
    "Fibrosis": [
        "Fibrosis at the {side_one} base.",
        "Fibrotic change in the {side_one} upper zone.",
        "{Mild} pulmonary fibrosis.",
        "Coarse reticular fibrosis at both bases.",
        "Apical fibrosis on the {side_one}.",
    ],
    "Pleural_Thickening": [
        "{Side_one} pleural thickening.",
        "Pleural thickening at the {side_one} apex.",
        "{Side} apical pleural thickening.",
        "Thickened pleura along the {side_one} lateral chest wall.",
        "{Mild} {side_one} pleural thickening.",
    ],
    "Hernia": [
        "Hiatal hernia.",
        "Hiatus hernia behind the heart.",
        "A {sev} hiatal hernia.",
        "Retrocardiac hiatal hernia with an air-fluid level.",
    ],
    "glioma": [
        "Intra-axial lesion in the {bside} {blobe} with surrounding T2 and FLAIR signal, in keeping with glioma.",
        "Heterogeneous enhancing lesion in the {bside} {blobe}, likely high-grade glioma.",
        "Poorly defined {bside} {blobe} lesion, appearances of glioma.",
        "Glioma in the {bside} {blobe}.",
        "T2 bright expansile lesion of the {bside} {blobe}, suggestive of low-grade glioma.",
    ],
    "meningioma": [
        "Extra-axial dural-based lesion over the {bside} {convex}, typical of meningioma.",
        "Meningioma at the {bside} {convex}.",
        "Well-circumscribed homogeneously enhancing extra-axial lesion with a dural tail, consistent with meningioma.",
        "{Bside_cap} {convex} meningioma.",
        "Dural-based lesion along the {convex}, in keeping with meningioma.",
    ],
    "pituitary": [
        "Sellar lesion with suprasellar extension, consistent with pituitary adenoma.",
        "Pituitary macroadenoma.",
        "Pituitary tumour expanding the sella.",
        "Enlarged pituitary gland with a focal lesion, likely adenoma.",
        "Pituitary adenoma abutting the optic chiasm.",
        "Small pituitary microadenoma.",
    ],
}

# Negated statements of an absent finding, and normal statements that imply its absence.
_NEGATIVE = {
    "Atelectasis": ["No atelectasis."],
    "Cardiomegaly": ["Heart size normal.", "Heart size is within normal limits.", "No cardiomegaly.",
                     "Normal heart size."],
    "Effusion": ["No pleural effusion.", "No effusion.", "No pleural effusions.", "No pleural fluid."],
    "Infiltration": ["No infiltrate.", "No focal infiltrates."],
    "Mass": ["No mass.", "No lung mass."],
    "Nodule": ["No nodule.", "No suspicious nodules."],
    "Pneumonia": ["No pneumonia.", "No evidence of pneumonia."],
    "Pneumothorax": ["No pneumothorax.", "No evidence of pneumothorax."],
    "Consolidation": ["No consolidation.", "No focal consolidation."],
    "Edema": ["No pulmonary edema.", "No edema.", "No pulmonary oedema."],
    "Emphysema": ["No emphysema."],
    "Fibrosis": ["No fibrosis."],
    "Pleural_Thickening": ["No pleural thickening."],
    "Hernia": ["No hiatal hernia."],
    "glioma": ["No features of glioma.", "No intra-axial lesion to suggest glioma."],
    "meningioma": ["No meningioma.", "No extra-axial dural-based lesion to suggest meningioma."],
    "pituitary": ["No pituitary adenoma.", "Pituitary gland normal in size."],
}

# Normal-study sentences, each owned by the normal finding of its modality.
_NORMAL = {
    "No_Finding": ["No acute cardiopulmonary abnormality.", "Normal chest radiograph.", "No findings.",
                   "No acute cardiopulmonary disease.", "Normal chest."],
    "notumor": ["No intracranial tumour.", "No tumour identified.", "No evidence of intracranial tumour."],
}

# Sentences that name no finding at all (safe whatever is held out).
_NEUTRAL = {
    "cxr": ["Lungs are clear.", "The lungs are clear.", "Clear lungs.", "Mediastinal contours are normal.",
            "Trachea central.", "Bony thorax intact.", "Costophrenic angles are sharp."],
    "cxr_any": ["Frontal chest radiograph.", "PA chest radiograph.", "AP chest radiograph.", "Single frontal view.",
                "Chest X-ray, frontal view.", "Comparison with prior not available."],
    "mri": ["Brain parenchyma appears normal.", "Ventricles normal in size.", "No midline shift.",
            "Normal grey-white matter differentiation.", "Posterior fossa unremarkable.",
            "No abnormal enhancement."],
    "mri_any": ["Axial MRI of the brain.", "MRI brain, axial slice.", "Axial brain MR image.",
                "Single axial MRI slice of the head."],
}
_CXR_LUNG_FINDINGS = {"Atelectasis", "Infiltration", "Mass", "Nodule", "Pneumonia", "Consolidation", "Edema",
                      "Emphysema", "Fibrosis", "Pneumothorax", "Effusion", "Pleural_Thickening"}


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _fill(phrase: str, rng: random.Random) -> str:
    vals = {
        "side": rng.choice(_SIDES), "side_one": rng.choice(_SIDES_ONE), "zone": rng.choice(_ZONES),
        "lobe": rng.choice(_LOBES), "sev": rng.choice(_SEV), "mild": rng.choice(_MILD),
        "bside": rng.choice(_BRAIN_SIDE), "blobe": rng.choice(_BRAIN_LOBE), "convex": rng.choice(_BRAIN_CONVEX),
    }
    for k in list(vals):
        vals[_cap(k)] = _cap(vals[k])
    vals["Lobe_cap"] = _cap(vals["lobe"])
    vals["Bside_cap"] = _cap(vals["bside"])
    out = phrase.format(**vals)
    return _cap(out)


def make_report(positive_ids, modality: str, rng: random.Random, exclude=frozenset()) -> str:
    """A short radiology-style report for an image with these positive findings.

    `positive_ids`: finding ids of `modality` present on the image ("No_Finding" / "notumor", or
    an empty list, for a normal image). Findings in `exclude` are never mentioned in any form:
    an excluded positive is left out, and no excluded finding is negated.
    """
    if modality not in ("cxr", "mri"):
        raise ValueError(f"make_report: modality: expected 'cxr' or 'mri', found {modality!r}")
    ids_mod = [f["id"] for f in FINDINGS if f["modality"] == modality]
    exclude = set(exclude)
    for p in positive_ids:
        if p not in ids_mod:
            raise ValueError(f"make_report: positive id: expected one of {ids_mod}, found {p!r}")
    normal_id = "No_Finding" if modality == "cxr" else "notumor"
    pos = [p for p in dict.fromkeys(positive_ids) if p != normal_id]
    pos_shown = [p for p in pos if p not in exclude]
    rng.shuffle(pos_shown)
    sentences: list[str] = []

    if rng.random() < 0.3:
        sentences.append(rng.choice(_NEUTRAL[modality + "_any"]))
    for p in pos_shown:
        sentences.append(_fill(rng.choice(_POSITIVE[p]), rng))

    # Absent findings that may be negated: not positive, not excluded.
    absent = [f for f in ids_mod if f != normal_id and f not in pos and f not in exclude]
    if not pos:
        # A normal image: a normal statement (when its normal finding is not held out) and a few negatives.
        if normal_id not in exclude and rng.random() < 0.85:
            sentences.append(rng.choice(_NORMAL[normal_id]))
        extra = rng.sample(_NEUTRAL[modality], k=rng.randint(0, 2))
        sentences += extra
        n_neg = rng.randint(0 if len(sentences) else 1, 3)
    else:
        if modality == "cxr" and not (set(pos) & _CXR_LUNG_FINDINGS) and rng.random() < 0.5:
            sentences.append(rng.choice(_NEUTRAL["cxr"][:3]))
        n_neg = rng.randint(0, 3) if modality == "cxr" else rng.randint(0, 2)
    n_neg = min(n_neg, len(absent))
    for f in rng.sample(absent, k=n_neg):
        sentences.append(rng.choice(_NEGATIVE[f]))
    if not sentences:
        # Nothing left to say (every positive held out, nothing to negate): a neutral sentence.
        sentences.append(rng.choice(_NEUTRAL[modality + "_any"]))
    return " ".join(sentences)
