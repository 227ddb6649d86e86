#!/usr/bin/env bash
# Writes tests/fixtures/default-ynyn.scenario.ron: the default neighbourhood
# behind a YNyn0 transformer (earthed star on both sides, so zero-sequence
# current passes to the grid), for the unbalanced power flow's fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "// Made by tools/make_ynyn_scenario.sh from scenes/default.scenario.ron: its"
  echo "// transformer as YNyn0, with zero-sequence data of its own."
  sed -e 's|grid: (transformer: "0.25 MVA 10/0.4 kV", mv_kv: 10.0, vm_pu: 1.0),|grid: (transformer: "0.25 MVA 10/0.4 kV YNyn0", mv_kv: 10.0, vm_pu: 1.0),\
    transformer_types: {\
        "0.25 MVA 10/0.4 kV YNyn0": (\
            sn_mva: 0.25, vn_hv_kv: 10.0, vn_lv_kv: 0.4,\
            vk_percent: 4.0, vkr_percent: 1.2, pfe_kw: 0.6, i0_percent: 0.24, shift_degree: 0.0,\
            vector_group: YNyn, vk0_percent: 3.8, vkr0_percent: 1.1, mag0_percent: 500.0, mag0_rx: 0.2, si0_hv_partial: 0.8,\
        ),\
    },|' scenes/default.scenario.ron
} > tests/fixtures/default-ynyn.scenario.ron
grep -q 'YNyn0' tests/fixtures/default-ynyn.scenario.ron
