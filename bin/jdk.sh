# Sourced by the bin/ scripts: selects a JDK 25 (JAVA_HOME if it is 25, else Temurin 25 where the README says).
_jdk_ok() { [ -x "$1/bin/java" ] && "$1/bin/java" -version 2>&1 | grep -q 'version "25'; }
if [ -n "${JAVA_HOME:-}" ] && _jdk_ok "$JAVA_HOME"; then :
elif _jdk_ok /usr/lib/jvm/temurin-25-jdk-amd64; then export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
else
  echo "error: JDK 25 not found. Install Temurin 25 (e.g. /usr/lib/jvm/temurin-25-jdk-amd64) or set JAVA_HOME to a JDK 25." >&2
  exit 1
fi
export PATH="$JAVA_HOME/bin:$PATH"
command -v mvn >/dev/null || { echo "error: Maven (mvn) not found; install it (apt-get install -y maven)." >&2; exit 1; }
