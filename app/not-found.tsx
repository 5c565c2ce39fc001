import Link from "next/link";
import { AuthFrame } from "@/components/auth/auth-frame";

export default function NotFound() {
  return (
    <AuthFrame title="Nothing here" subtitle="This address does not lead to a Spark page.">
      <Link href="/" className="text-sm font-medium text-spark-700 hover:underline">
        Go to the dashboard
      </Link>
    </AuthFrame>
  );
}
