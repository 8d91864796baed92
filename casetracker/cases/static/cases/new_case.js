/* The new case's relations grid follows the people's rows: a row of the grid per victim row, a
   column per offender row, headed by the codes typed. Rows added or removed above rebuild it, each
   relation chosen kept with its pair of codes. */
"use strict";
(function () {
  const grid = document.querySelector("table.relation-grid[data-prefix]");
  if (!grid) return;
  const prefix = grid.dataset.prefix;
  const template = document.getElementById("relation-cell-template");

  const rows = (formset) => {
    const total = document.getElementById(`id_${formset}-TOTAL_FORMS`);
    const count = total ? parseInt(total.value, 10) : 0;
    const codes = [];
    for (let index = 0; index < count; index++) {
      const code = document.getElementById(`id_${formset}-${index}-code`);
      codes.push(code ? code.value.trim() : "");
    }
    return codes;
  };

  const chosen = () => {
    const values = {};
    for (const select of grid.querySelectorAll("select")) {
      if (select.value) values[select.dataset.pair] = select.value;
    }
    return values;
  };

  const build = () => {
    const victims = rows("victims");
    const offenders = rows("offenders");
    const kept = chosen();
    const head = grid.tHead.rows[0];
    while (head.cells.length > 1) head.deleteCell(1);
    for (const code of offenders) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = code || "-";
      head.appendChild(th);
    }
    const body = grid.tBodies[0];
    body.replaceChildren();
    victims.forEach((victim, victimRow) => {
      const tr = body.insertRow();
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = victim || "-";
      tr.appendChild(th);
      offenders.forEach((offender, offenderRow) => {
        const td = tr.insertCell();
        const select = template.content.firstElementChild.cloneNode(true);
        select.name = `${prefix}-relation_${victimRow}_${offenderRow}`;
        select.id = `id_${select.name}`;
        select.dataset.pair = `${victim}|${offender}`;
        select.setAttribute("aria-label", `${victim || "-"} / ${offender || "-"}`);
        select.value = kept[select.dataset.pair] || "";
        td.appendChild(select);
      });
    });
  };

  // A code typed: the headings and the pairs follow, the relations chosen stay in their cells.
  const relabel = () => {
    const victims = rows("victims");
    const offenders = rows("offenders");
    const head = grid.tHead.rows[0];
    offenders.forEach((code, index) => {
      if (head.cells[index + 1]) head.cells[index + 1].textContent = code || "-";
    });
    Array.from(grid.tBodies[0].rows).forEach((tr, index) => {
      tr.cells[0].textContent = victims[index] || "-";
    });
    for (const select of grid.querySelectorAll("select")) {
      const match = /relation_(\d+)_(\d+)$/.exec(select.name);
      if (match) select.dataset.pair = `${victims[match[1]] || ""}|${offenders[match[2]] || ""}`;
    }
  };
  relabel();
  document.addEventListener("formset:added", build);
  document.addEventListener("formset:removed", build);
  document.addEventListener("input", (event) => {
    if (/^id_(victims|offenders)-\d+-code$/.test(event.target.id || "")) relabel();
  });
})();
