module github.com/kdomanski/iso9660

go 1.19
