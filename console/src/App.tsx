// Routes, each screen its own chunk: the first screen loads only sign-in and the shell.
import { Spin } from "antd";
import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import { AuthProvider } from "./auth/AuthProvider";
import SignIn from "./auth/SignIn";
import { Shell } from "./Shell";

const Vouchers = lazy(() => import("./areas/vouchers/VoucherSearch"));
const SmsLog = lazy(() => import("./areas/messages/SmsLog"));
const CodeLookup = lazy(() => import("./areas/messages/CodeLookup"));
const Inbox = lazy(() => import("./areas/messages/Inbox"));
const Announcements = lazy(() => import("./areas/messages/Announcements"));
const Board = lazy(() => import("./areas/messages/Board"));
const RefundQueue = lazy(() => import("./areas/refunds/MyQueue"));
const RefundForms = lazy(() => import("./areas/refunds/FormSearch"));
const RefundForm = lazy(() => import("./areas/refunds/FormDetail"));
const RefundPayouts = lazy(() => import("./areas/refunds/Payouts"));
const RentalUsers = lazy(() => import("./areas/rental/Users"));
const RentalUser = lazy(() => import("./areas/rental/UserDetail"));
const RentalOrders = lazy(() => import("./areas/rental/Orders"));
const RentalOrder = lazy(() => import("./areas/rental/OrderDetail"));
const RentalAccounts = lazy(() => import("./areas/rental/Accounts"));
const RentalAccount = lazy(() => import("./areas/rental/AccountDetail"));
const RentalFundFlows = lazy(() => import("./areas/rental/FundFlows"));
const RentalFeedback = lazy(() => import("./areas/rental/Decisions").then((m) => ({ default: m.Feedback })));
const RentalInsurance = lazy(() => import("./areas/rental/Decisions").then((m) => ({ default: m.Insurance })));
const RentalGuide = lazy(() => import("./areas/rental/Guide"));
const RentalStatistics = lazy(() => import("./areas/rental/Statistics"));
// refund reports and after-sales screens
const RefundHandovers = lazy(() => import("./areas/refunds/Handovers"));
const RefundReports = lazy(() => import("./areas/refunds/Reports"));
const AftersalesTickets = lazy(() => import("./areas/aftersales/Tickets"));
const AftersalesTicket = lazy(() => import("./areas/aftersales/TicketDetail"));
const AftersalesActivation = lazy(() => import("./areas/aftersales/Activation"));

function Screens() {
  return (
    <Shell>
      <Suspense fallback={<Spin />}>
        <Routes>
          <Route path="/vouchers" element={<Vouchers />} />
          <Route path="/messages/sms" element={<SmsLog />} />
          <Route path="/messages/code-lookup" element={<CodeLookup />} />
          <Route path="/messages/inbox" element={<Inbox />} />
          <Route path="/messages/announcements" element={<Announcements />} />
          <Route path="/refunds/queue" element={<RefundQueue />} />
          <Route path="/refunds/forms" element={<RefundForms />} />
          <Route path="/refunds/forms/:formId" element={<RefundForm />} />
          <Route path="/refunds/payouts" element={<RefundPayouts />} />
          <Route path="/rental/users" element={<RentalUsers />} />
          <Route path="/rental/users/:userId" element={<RentalUser />} />
          <Route path="/rental/orders" element={<RentalOrders />} />
          <Route path="/rental/orders/:tripId" element={<RentalOrder />} />
          <Route path="/rental/accounts" element={<RentalAccounts />} />
          <Route path="/rental/accounts/:userId" element={<RentalAccount />} />
          <Route path="/rental/fund-flows" element={<RentalFundFlows />} />
          <Route path="/rental/feedback" element={<RentalFeedback />} />
          <Route path="/rental/insurance" element={<RentalInsurance />} />
          <Route path="/rental/guide" element={<RentalGuide />} />
          <Route path="/rental/statistics" element={<RentalStatistics />} />
          {/* refund reports and after-sales screens */}
          <Route path="/refunds/handovers" element={<RefundHandovers />} />
          <Route path="/refunds/reports" element={<RefundReports />} />
          <Route path="/aftersales/tickets" element={<AftersalesTickets />} />
          <Route path="/aftersales/tickets/:ticketId" element={<AftersalesTicket />} />
          <Route path="/aftersales/activation" element={<AftersalesActivation />} />
          <Route path="*" element={null} />
        </Routes>
      </Suspense>
    </Shell>
  );
}

export default function App() {
  return (
    <AuthProvider>
      <Routes>
        <Route path="/login" element={<SignIn />} />
        <Route
          path="/board"
          element={
            <Suspense fallback={<Spin />}>
              <Board />
            </Suspense>
          }
        />
        <Route path="*" element={<Screens />} />
      </Routes>
    </AuthProvider>
  );
}
