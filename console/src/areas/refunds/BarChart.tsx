// A plain SVG bar chart: a report's few bars need no chart library. Each bar is labelled
// with its value, and the figure carries a table-like description for screen readers.
export interface Bar {
  label: string;
  value: number;
  /** What is written on the bar (money formatted, say); the value itself by default. */
  text?: string;
}

/** A label that fits under its bar; the whole one is in the bar's tooltip and the figure's name. */
export function short(label: string, at = 8): string {
  return label.length > at ? `${label.slice(0, at - 1)}…` : label;
}

export function BarChart({ title, bars, height = 180 }: { title: string; bars: Bar[]; height?: number }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const width = Math.max(320, bars.length * 120);
  const band = width / Math.max(1, bars.length);
  const plot = height - 40;
  return (
    <figure style={{ margin: "8px 0 16px" }}>
      <figcaption style={{ fontWeight: 500, marginBottom: 4 }}>{title}</figcaption>
      <svg
        role="img"
        aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.text ?? b.value}`).join(", ")}`}
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        data-testid="bar-chart"
      >
        <line x1={0} y1={plot + 16} x2={width} y2={plot + 16} stroke="#d9d9d9" />
        {bars.map((b, i) => {
          const h = Math.round((b.value / max) * plot);
          const barWidth = Math.min(48, band * 0.6);
          const x = i * band + (band - barWidth) / 2;
          return (
            <g key={b.label}>
              <rect x={x} y={plot + 16 - h} width={barWidth} height={h} fill="#1677ff" rx={2}>
                <title>{`${b.label}: ${b.text ?? b.value}`}</title>
              </rect>
              <text x={x + barWidth / 2} y={plot + 12 - h} textAnchor="middle" fontSize={11}>
                {b.text ?? b.value}
              </text>
              <text x={x + barWidth / 2} y={height - 8} textAnchor="middle" fontSize={11}>
                {short(b.label)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
