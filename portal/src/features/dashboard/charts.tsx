/**
 * Small SVG charts written by hand (no chart library: three chart shapes do not justify a dependency, and
 * hand-written SVG keeps the strict CSP — no inline style — and full control of the accessible markup).
 *
 * Each chart is a <figure>: the SVG is an image named by the caption and described by a one-line summary;
 * the numbers are also in a table behind "Show as a table" (keyboard and screen readers read the table).
 * Series differ by fill *and* by pattern (solid, hatched, dotted), and the legend names them, so nothing
 * is told by colour alone.
 */
import { useId, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../../i18n/format.js";

export interface Series {
  key: string;
  label: string;
  /** look: 0 solid blue, 1 hatched (blocks), 2 dotted, 3 solid red; default: the series' position */
  look?: number;
}
export interface Row {
  label: string;
  values: number[];
}

/** Solid looks come from the stylesheet; patterned ones from the SVG pattern (a CSS fill would hide it). */
const look = (s: Series | undefined, i: number) => s?.look ?? i;
const classOf = (n: number) => (n === 1 || n === 2 ? undefined : `series-${n}`);

function Patterns({ id }: { id: string }) {
  return (
    <defs>
      <pattern id={`${id}-p1`} patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
        <rect width="6" height="6" className="series-1" />
        <line x1="0" y1="0" x2="0" y2="6" className="hatch" strokeWidth="2" />
      </pattern>
      <pattern id={`${id}-p2`} patternUnits="userSpaceOnUse" width="6" height="6">
        <rect width="6" height="6" className="series-2" />
        <circle cx="3" cy="3" r="1.2" className="dot" />
      </pattern>
    </defs>
  );
}
const fillOf = (id: string, i: number) => (i === 1 ? `url(#${id}-p1)` : i === 2 ? `url(#${id}-p2)` : undefined);

function Legend({ series, id }: { series: Series[]; id: string }) {
  return (
    <ul className="chart-legend">
      {series.map((s, i) => (
        <li key={s.key}>
          <svg width="14" height="14" aria-hidden="true" focusable="false">
            <Patterns id={`${id}-l${i}`} />
            <rect width="14" height="14" className={classOf(look(s, i))} fill={fillOf(`${id}-l${i}`, look(s, i))} />
          </svg>
          {s.label}
        </li>
      ))}
    </ul>
  );
}

function DataTable({ caption, series, rows, first }: { caption: string; series: Series[]; rows: Row[]; first: string }) {
  const { t } = useTranslation();
  return (
    <details className="chart-table">
      <summary>{t("charts.showTable")}</summary>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{first}</th>
              {series.map((s) => (
                <th key={s.key} scope="col" className="num">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.label}>
                <th scope="row">{r.label}</th>
                {r.values.map((v, i) => (
                  <td key={series[i]?.key ?? i} className="num">
                    {formatNumber(v)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

const total = (r: Row) => r.values.reduce((a, b) => a + b, 0);

interface ChartProps {
  title: string;
  summary: string;
  series: Series[];
  rows: Row[];
  first: string;
  empty: string;
}

/** The figure around a chart: caption, legend, the SVG named and described, and the data table. */
function Frame({ id, p, width, height, children }: { id: string; p: ChartProps; width: number; height: number; children: ReactNode }) {
  return (
    <figure className="chart" aria-labelledby={`${id}-t`}>
      <figcaption id={`${id}-t`} className="chart-title">
        {p.title}
      </figcaption>
      <Legend series={p.series} id={id} />
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-t`} aria-describedby={`${id}-d`} className="chart-svg" preserveAspectRatio="xMinYMin meet">
        <desc id={`${id}-d`}>{p.summary}</desc>
        <Patterns id={id} />
        {children}
      </svg>
      <DataTable caption={p.title} series={p.series} rows={p.rows} first={p.first} />
    </figure>
  );
}

function EmptyChart({ p }: { p: ChartProps }) {
  return (
    <figure className="chart">
      <figcaption className="chart-title">{p.title}</figcaption>
      <p className="state state-empty">{p.empty}</p>
    </figure>
  );
}

/** Horizontal stacked bars, one row per label (categories, destinations). */
export function BarChart(p: ChartProps) {
  const id = useId().replace(/:/g, "");
  const { series, rows } = p;
  if (rows.length === 0 || rows.every((r) => total(r) === 0)) return <EmptyChart p={p} />;
  const max = Math.max(...rows.map(total));
  const label = 210;
  const width = 640;
  const bar = 22;
  const gap = 8;
  const plot = width - label - 70;
  const height = rows.length * (bar + gap) + gap;
  return (
    <Frame id={id} p={p} width={width} height={height}>
      {rows.map((r, ri) => {
        const y = gap + ri * (bar + gap);
        let x = label;
        return (
          <g key={r.label}>
            <text x={label - 8} y={y + bar / 2} textAnchor="end" dominantBaseline="middle" className="chart-label">
              {r.label.length > 30 ? `${r.label.slice(0, 29)}…` : r.label}
            </text>
            {r.values.map((v, i) => {
              const w = max ? (v / max) * plot : 0;
              const el = w > 0 && (
                <rect key={series[i]?.key ?? i} x={x} y={y} width={w} height={bar} className={classOf(look(series[i], i))} fill={fillOf(id, look(series[i], i))}>
                  <title>{`${r.label} · ${series[i]?.label ?? ""}: ${formatNumber(v)}`}</title>
                </rect>
              );
              x += w;
              return el;
            })}
            <text x={x + 6} y={y + bar / 2} dominantBaseline="middle" className="chart-value">
              {formatNumber(total(r))}
            </text>
          </g>
        );
      })}
    </Frame>
  );
}

/** Vertical stacked columns over time (hours of the last day). */
export function ColumnChart({ tick, ...p }: ChartProps & { tick: (i: number) => boolean }) {
  const id = useId().replace(/:/g, "");
  const { series, rows } = p;
  const max = Math.max(0, ...rows.map(total));
  if (max === 0) return <EmptyChart p={p} />;
  const width = 640;
  const height = 200;
  const left = 44;
  const bottom = 24;
  const plotH = height - bottom - 8;
  const step = (width - left) / rows.length;
  const colW = Math.min(48, Math.max(2, step - 4));
  return (
    <Frame id={id} p={p} width={width} height={height}>
      <line x1={left} y1={8 + plotH} x2={width} y2={8 + plotH} className="chart-axis" />
      <text x={left - 6} y={12} textAnchor="end" className="chart-label">
        {formatNumber(max)}
      </text>
      <text x={left - 6} y={8 + plotH} textAnchor="end" className="chart-label">
        0
      </text>
      {rows.map((r, ri) => {
        const x = left + ri * step + 2;
        let y = 8 + plotH;
        return (
          <g key={r.label}>
            {r.values.map((v, i) => {
              const h = (v / max) * plotH;
              y -= h;
              return (
                h > 0 && (
                  <rect key={series[i]?.key ?? i} x={x} y={y} width={colW} height={h} className={classOf(look(series[i], i))} fill={fillOf(id, look(series[i], i))}>
                    <title>{`${r.label} · ${series[i]?.label ?? ""}: ${formatNumber(v)}`}</title>
                  </rect>
                )
              );
            })}
            {tick(ri) && (
              <text x={x + colW / 2} y={height - 6} textAnchor="middle" className="chart-label">
                {r.label}
              </text>
            )}
          </g>
        );
      })}
    </Frame>
  );
}
