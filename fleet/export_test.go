package fleet

// Internals exposed to the external tests of this package.
var (
	BucketKey      = bucketKey
	ParseBucketKey = parseBucketKey
)
