// goendpoint: aws-sdk-go v1 (Debian's golang-github-aws-aws-sdk-go-dev) getting credentials the
// way every Go program does, from its default chain: the environment, the shared files, then the
// ECS endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) or EC2 instance metadata
// (AWS_EC2_METADATA_SERVICE_ENDPOINT). It prints the provider that answered and the caller's
// ARN from sts:GetCallerIdentity, on one line; on error it prints the error and exits 1. With
// -region-from-imds and no AWS_REGION, the region comes from EC2 instance metadata.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/ec2metadata"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/sts"
)

func main() {
	region := os.Getenv("AWS_REGION")
	// -region-from-imds: as a Go program on EC2 with no region configured does, ask the
	// instance metadata (ec2metadata.Region() reads the instance identity document).
	if region == "" && len(os.Args) > 1 && os.Args[1] == "-region-from-imds" {
		found, err := ec2metadata.New(session.Must(session.NewSession())).Region()
		if err != nil {
			fmt.Fprintln(os.Stderr, "goendpoint: region:", err)
			os.Exit(1)
		}
		region = found
	}
	if region == "" {
		region = "us-east-1"
	}
	cfg := aws.NewConfig().WithRegion(region).WithMaxRetries(0)
	// aws-sdk-go 1.44 does not read AWS_ENDPOINT_URL_STS itself.
	if endpoint := os.Getenv("AWS_ENDPOINT_URL_STS"); endpoint != "" {
		cfg = cfg.WithEndpoint(endpoint)
	}
	sess, err := session.NewSession(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goendpoint: session:", err)
		os.Exit(1)
	}
	value, err := sess.Config.Credentials.Get()
	if err != nil {
		fmt.Fprintln(os.Stderr, "goendpoint: credentials:", err)
		os.Exit(1)
	}
	out, err := sts.New(sess).GetCallerIdentity(&sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "goendpoint: GetCallerIdentity:", err)
		os.Exit(1)
	}
	fmt.Println(value.ProviderName, aws.StringValue(out.Arn))
}
