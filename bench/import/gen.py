#!/usr/bin/env python3
# Writes f0-N.csv (an F0 line list of N new persons in the communes of Hoan Kiem, by name)
# and f0-N.sql (the same rows as plain INSERTs in one transaction: the peer loader).
#   python3 bench/import/gen.py 10000
import sys, random
n = int(sys.argv[1])
# Communes of Hoàn Kiếm by name, as a list would write them.
communes = ["P. Hàng Buồm", "P. Hàng Đào", "P. Hàng Bạc", "P. Hàng Gai", "P. Tràng Tiền", "P. Lý Thái Tổ", "P. Hàng Trống", "P. Cửa Đông"]
random.seed(1)
with open(f"f0-{n}.csv", "w", encoding="utf-8") as f, open(f"f0-{n}.sql", "w", encoding="utf-8") as s:
    f.write("Họ tên,SĐT,Xã/Phường,Quận/Huyện,Ngày lấy mẫu,Kết quả\n")
    s.write("BEGIN;\n")
    for i in range(n):
        name = f"Người Nhập {i}"
        phone = f"09{i:08d}"
        c = communes[i % len(communes)]
        f.write(f"{name},{phone},{c},Q. Hoàn Kiếm,15/11/2021,Dương tính\n")
        s.write(f"INSERT INTO peer_rows (full_name, phone, commune, district, sample, result) VALUES ('{name}','{phone}','{c}','Q. Hoàn Kiếm','15/11/2021','Dương tính');\n")
    s.write("COMMIT;\n")
