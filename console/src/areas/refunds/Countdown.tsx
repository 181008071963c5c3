// A time limit as a live countdown, overdue ones marked (the API says which were breached).
import { Tag } from "antd";
import { useEffect, useState } from "react";
import { useI18n } from "../../i18n/i18n";
import { countdown } from "./labels";
import "../../i18n/refundTexts";

/** The clock the countdowns share, one tick a second while any is on screen. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

export function Countdown({ due, overdue, paused }: { due: string | null; overdue: boolean; paused: boolean }) {
  const { t } = useI18n();
  const now = useNow();
  if (!due) return <Tag>{t("came_back")}</Tag>;
  const left = countdown(due, now);
  return (
    <span>
      {overdue || left.late ? (
        <Tag color="red" data-testid="overdue">
          {t("overdue")} {left.text}
        </Tag>
      ) : (
        <span data-testid="countdown">{left.text}</span>
      )}
      {paused && <Tag color="blue">{t("paused")}</Tag>}
    </span>
  );
}
