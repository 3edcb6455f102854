package routecache

import "unsafe"

// keyName is how an entry keeps its Key: the four fields' data pointers
// and their lengths as uint32, 48 bytes where the Key's four string headers
// take 64. Those 16 bytes bring the map's entry object from 104 bytes to
// 88, from Go's 112-byte size class to the 96-byte one (see entry in
// shard.go; the Memory benchmark measures the whole).
//
// A keyName holds the pointers, so the fields' bytes stay alive as long as
// the entry does, exactly as a Key's would; Go strings are immutable, so
// the bytes cannot change under it. The lengths fit: a cache accepts no key
// longer than math.MaxUint32 bytes in all (New clamps MaxKeyBytes), so no
// field is longer. Names is only asked about keys the cache accepted.
type keyName struct {
	data [4]*byte
	lens [4]uint32
}

// nameOf returns the name of k. It allocates nothing.
func nameOf(k *Key) keyName {
	return keyName{
		data: [4]*byte{
			unsafe.StringData(k.Channel), unsafe.StringData(k.Bridge),
			unsafe.StringData(k.Room), unsafe.StringData(k.Thread),
		},
		lens: keyLens(k),
	}
}

func keyLens(k *Key) [4]uint32 {
	return [4]uint32{uint32(len(k.Channel)), uint32(len(k.Bridge)), uint32(len(k.Room)), uint32(len(k.Thread))}
}

func (n *keyName) field(i int) string { return unsafe.String(n.data[i], n.lens[i]) }

// Names reports whether n is the name of k; the table's comparison.
func (n keyName) Names(k Key) bool { return n.is(&k) }

// is reports whether n is the name of *k: the same bytes in every field.
// It costs what comparing two Keys costs (the Key is rebuilt in registers)
// and is inlined into the hit path.
func (n *keyName) is(k *Key) bool { return n.Key() == *k }

// Key returns the Key n names, sharing its fields' bytes. It allocates
// nothing.
func (n keyName) Key() Key {
	return Key{Channel: n.field(0), Bridge: n.field(1), Room: n.field(2), Thread: n.field(3)}
}
