"""Evidence documents: upload to S3, check, scan and index them, download by presigned URL."""
