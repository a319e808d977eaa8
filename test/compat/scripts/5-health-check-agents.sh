#!/usr/bin/env bash
# Seed 004 (Workflow Management API usage guide), "Common Workflows", Workflow 5: Health Check All Agents:
# the guide's script, copied verbatim below the marker line.
#
# test/compat/seed-004-scripts.test.ts runs it for real (bash + curl + jq) against a test server
# after making these substitutions, and only these, in the text below the marker:
#   http://localhost:8000 -> the test server's URL
# Run by hand, unchanged, it talks to http://localhost:8000 as the guide says.
# ---- seed 004 text below ----
# Step 1: Get all active agents
echo "Checking health of all active agents..."
AGENTS=$(curl -s "http://localhost:8000/api/v1/agents?status=active" | jq -r '.items[] | .id')

# Step 2: Check health of each agent
for AGENT_ID in $AGENTS; do
  echo "Checking agent: $AGENT_ID"
  
  AGENT_NAME=$(curl -s http://localhost:8000/api/v1/agents/$AGENT_ID | jq -r '.name')
  HEALTH=$(curl -s http://localhost:8000/api/v1/agents/$AGENT_ID/health)
  
  HEALTHY=$(echo $HEALTH | jq -r '.healthy')
  RESPONSE_TIME=$(echo $HEALTH | jq -r '.response_time_ms')
  
  if [[ "$HEALTHY" == "true" ]]; then
    echo "  ✓ $AGENT_NAME is healthy (${RESPONSE_TIME}ms)"
  else
    ERROR=$(echo $HEALTH | jq -r '.error')
    echo "  ✗ $AGENT_NAME is unhealthy: $ERROR"
  fi
done
