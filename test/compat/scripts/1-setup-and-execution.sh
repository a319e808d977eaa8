#!/usr/bin/env bash
# Seed 004 (Workflow Management API usage guide), "Common Workflows", Workflow 1: Complete Setup and Execution:
# the guide's script, copied verbatim below the marker line.
#
# test/compat/seed-004-scripts.test.ts runs it for real (bash + curl + jq) against a test server
# after making these substitutions, and only these, in the text below the marker:
#   http://localhost:8000 -> the test server's URL
#   http://extractor:8080, http://transformer:8080 -> local test agents' URLs
#   sleep 5 -> a short sleep (the loop polls until a terminal state; the sleep only paces it)
# Run by hand, unchanged, it talks to http://localhost:8000 as the guide says.
# ---- seed 004 text below ----
# Step 1: Create agents
EXTRACTOR_ID=$(curl -X POST http://localhost:8000/api/v1/agents \
  -H "Content-Type: application/json" \
  -d '{
    "name": "DataExtractorAgent",
    "url": "http://extractor:8080",
    "description": "Extracts data from external sources"
  }' | jq -r '.id')

TRANSFORMER_ID=$(curl -X POST http://localhost:8000/api/v1/agents \
  -H "Content-Type: application/json" \
  -d '{
    "name": "DataTransformerAgent",
    "url": "http://transformer:8080",
    "description": "Transforms raw data"
  }' | jq -r '.id')

echo "Created agents: $EXTRACTOR_ID, $TRANSFORMER_ID"

# Step 2: Create workflow
WORKFLOW_ID=$(curl -X POST http://localhost:8000/api/v1/workflows \
  -H "Content-Type: application/json" \
  -d '{
    "name": "data-pipeline",
    "description": "ETL pipeline",
    "start_step": "extract",
    "steps": {
      "extract": {
        "id": "extract",
        "agent_name": "DataExtractorAgent",
        "next_step": "transform",
        "input_mapping": {
          "source": "${workflow.input.source}"
        }
      },
      "transform": {
        "id": "transform",
        "agent_name": "DataTransformerAgent",
        "next_step": null,
        "input_mapping": {
          "data": "${extract.output.data}"
        }
      }
    }
  }' | jq -r '.id')

echo "Created workflow: $WORKFLOW_ID"

# Step 3: Execute workflow
RUN_ID=$(curl -X POST http://localhost:8000/api/v1/workflows/$WORKFLOW_ID/execute \
  -H "Content-Type: application/json" \
  -d '{
    "input_data": {
      "source": "https://api.example.com/data"
    }
  }' | jq -r '.run_id')

echo "Started run: $RUN_ID"

# Step 4: Monitor execution
while true; do
  STATUS=$(curl -s http://localhost:8000/api/v1/runs/$RUN_ID | jq -r '.status')
  echo "Run status: $STATUS"
  
  if [[ "$STATUS" == "COMPLETED" || "$STATUS" == "FAILED" || "$STATUS" == "CANCELLED" ]]; then
    break
  fi
  
  sleep 5
done

# Step 5: Get step details
curl http://localhost:8000/api/v1/runs/$RUN_ID/steps | jq '.'
